"""Partner Center resource shapes (camelCase JSON, ``attributes.objectType``)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ...domain import tickets as ticket_rules


class Attributes(Schema):
    etag = fields.String()
    objectType = fields.String()


class LinkHeader(Schema):
    key = fields.String()
    value = fields.String()


class Link(Schema):
    uri = fields.String()
    method = fields.String()
    headers = fields.List(fields.Nested(LinkHeader))


class Links(Schema):
    self = fields.Nested(Link)
    next = fields.Nested(Link)


class SubscriptionLinks(Links):
    offer = fields.Nested(Link)


class Address(Schema):
    country = fields.String()
    city = fields.String()
    state = fields.String()
    addressLine1 = fields.String()
    postalCode = fields.String()
    firstName = fields.String()
    lastName = fields.String()
    phoneNumber = fields.String()


class CompanyProfile(Schema):
    tenantId = fields.String()
    domain = fields.String()
    companyName = fields.String()
    address = fields.Nested(Address)
    email = fields.String()
    links = fields.Nested(Links)
    attributes = fields.Nested(Attributes)


class BillingProfile(Schema):
    id = fields.String()
    firstName = fields.String()
    lastName = fields.String()
    email = fields.String()
    culture = fields.String()
    language = fields.String()
    companyName = fields.String()
    defaultAddress = fields.Nested(Address)
    links = fields.Nested(Links)
    attributes = fields.Nested(Attributes)


class Customer(Schema):
    id = fields.String()
    commerceId = fields.String()
    companyProfile = fields.Nested(CompanyProfile)
    billingProfile = fields.Nested(BillingProfile)
    relationshipToPartner = fields.String(metadata={"enum": ["reseller", "advisor"]})
    allowDelegatedAccess = fields.Boolean()
    customDomains = fields.List(fields.String())
    links = fields.Nested(Links)
    attributes = fields.Nested(Attributes)


class Subscription(Schema):
    id = fields.String()
    offerId = fields.String()
    entitlementId = fields.String()
    offerName = fields.String()
    friendlyName = fields.String()
    quantity = fields.Integer()
    unitType = fields.String()
    creationDate = fields.String()
    effectiveStartDate = fields.String()
    commitmentEndDate = fields.String()
    status = fields.String()
    autoRenewEnabled = fields.Boolean()
    billingType = fields.String()
    billingCycle = fields.String()
    termDuration = fields.String(allow_none=True)
    isTrial = fields.Boolean()
    isMicrosoftProduct = fields.Boolean()
    publisherName = fields.String()
    partnerId = fields.String()
    contractType = fields.String()
    orderId = fields.String()
    links = fields.Nested(SubscriptionLinks)
    attributes = fields.Nested(Attributes)


class PartnerRelationship(Schema):
    id = fields.String()
    name = fields.String()
    relationshipType = fields.String()
    state = fields.String()
    mpnId = fields.String()
    location = fields.String()
    attributes = fields.Nested(Attributes)


def collection(item_schema: type[Schema], name: str) -> type[Schema]:
    """A Partner Center collection: ``totalCount``, ``items``, ``links``, ``continuationToken``."""
    return Schema.from_dict(
        {
            "totalCount": fields.Integer(),
            "items": fields.List(fields.Nested(item_schema)),
            "continuationToken": fields.String(),
            "links": fields.Nested(Links),
            "attributes": fields.Nested(Attributes),
        },
        name=name,
    )


CustomerCollection = collection(Customer, "CustomerCollection")
SubscriptionCollection = collection(Subscription, "SubscriptionCollection")
PartnerRelationshipCollection = collection(PartnerRelationship, "PartnerRelationshipCollection")


class CustomerListArgs(Schema):
    size = fields.Integer(load_default=500, validate=validate.Range(min=1, max=500))
    seekOperation = fields.String(validate=validate.OneOf(["Next", "next"]))
    filter = fields.String(
        metadata={
            "description": 'JSON: {"Field": "CompanyName"|"Domain"|"IndirectReseller", '
            '"Value": "...", "Operator": "starts_with"|"equals"}'
        }
    )
    continuationToken = fields.String(metadata={"description": "Alternative to the MS-ContinuationToken header."})


class RelationshipArgs(Schema):
    relationship_type = fields.String(
        load_default="IsIndirectResellerOf",
        validate=validate.OneOf(["IsIndirectResellerOf", "IsIndirectCloudSolutionProviderOf"]),
    )


class PartnerProfile(Schema):
    id = fields.String()
    partnerName = fields.String()
    mpnId = fields.String()
    companyName = fields.String()
    tenantId = fields.String()
    domain = fields.String()
    email = fields.String()
    culture = fields.String()
    language = fields.String()
    defaultAddress = fields.Nested(Address)
    profileType = fields.String()
    links = fields.Nested(Links)
    attributes = fields.Nested(Attributes)


class PartnerCenterError(Schema):
    """Partner Center's error body (every non-2xx answer). ``data[0].rule`` names the rule of a denial,
    ``data[0].explain`` where its decision trace can be read."""

    code = fields.Integer(required=True, metadata={"description": "Partner Center's error code"})
    description = fields.String(required=True)
    data = fields.List(fields.Dict(), required=True)
    source = fields.String(required=True)


# --- service requests, support topics, hand-off, service incidents (documented; the routes build the JSON) ---
class SupportTopic(Schema):
    name = fields.String()
    description = fields.String()
    id = fields.Integer()
    attributes = fields.Nested(Attributes)


class Organization(Schema):
    id = fields.String()
    name = fields.String()
    phoneNumber = fields.String()


class Contact(Schema):
    contactId = fields.String()
    firstName = fields.String()
    lastName = fields.String()
    email = fields.String()
    phoneNumber = fields.String(allow_none=True)
    organization = fields.Nested(Organization, allow_none=True)


class ServiceRequestNote(Schema):
    createdByName = fields.String()
    createdDate = fields.String()
    text = fields.String()


class ServiceRequest(Schema):
    title = fields.String()
    description = fields.String()
    severity = fields.String()
    supportTopicId = fields.String()
    supportTopicName = fields.String()
    id = fields.String()
    status = fields.String()
    organization = fields.Nested(Organization, allow_none=True)
    primaryContact = fields.Nested(Contact)
    lastUpdatedBy = fields.Nested(Contact)
    productName = fields.String(allow_none=True)
    productId = fields.String(allow_none=True)
    createdDate = fields.String()
    lastModifiedDate = fields.String()
    lastClosedDate = fields.String()
    fileLinks = fields.List(fields.Dict())
    notes = fields.List(fields.Nested(ServiceRequestNote))
    countryCode = fields.String(allow_none=True)
    attributes = fields.Nested(Attributes)


class ServiceRequestHandOff(Schema):
    workload = fields.String()
    portal = fields.String()
    url = fields.String()
    customerTenantId = fields.String()
    domain = fields.String()
    companyName = fields.String()
    next = fields.Dict(
        metadata={
            "description": "the pcsim call that files the request on the workload's surface: "
            "surface, method, path, scope, signIn (and subscriptions or "
            "topicCategories)"
        }
    )
    attributes = fields.Nested(Attributes)


class ServiceIncidentMessage(Schema):
    publishedTime = fields.String(allow_none=True)
    messageText = fields.String(allow_none=True)


class ServiceIncidentDetail(Schema):
    id = fields.String()
    workload = fields.String()
    affectedWorkloadNames = fields.List(fields.String())
    category = fields.String(allow_none=True)
    impactedArea = fields.String(allow_none=True)
    impactedCustomers = fields.Integer()
    messageType = fields.String(metadata={"enum": ["none", "incident", "message_center", "all"]})
    messages = fields.List(fields.Nested(ServiceIncidentMessage))
    startTime = fields.String(allow_none=True)
    endTime = fields.String(allow_none=True)
    requiredBy = fields.String(allow_none=True)
    severity = fields.String()
    status = fields.String()
    resolved = fields.Boolean()
    actionType = fields.String(allow_none=True)


class ServiceIncidents(Schema):
    workload = fields.String()
    status = fields.String()
    incidents = fields.List(fields.Nested(ServiceIncidentDetail))
    messageCenterMessages = fields.List(fields.Nested(ServiceIncidentDetail))


SupportTopicCollection = collection(SupportTopic, "SupportTopicCollection")
ServiceRequestCollection = collection(ServiceRequest, "ServiceRequestCollection")
ServiceIncidentCollection = collection(ServiceIncidents, "ServiceIncidentCollection")


# --- service request bodies and arguments (the routes read PascalCase or camelCase bodies themselves) --------
class ContactIn(Schema):
    class Meta:
        unknown = EXCLUDE

    firstName = fields.String(allow_none=True)
    lastName = fields.String(allow_none=True)
    email = fields.Email(allow_none=True)
    phoneNumber = fields.String(allow_none=True)


class ServiceRequestCreate(Schema):
    """A new service request. Unknown and null fields (the .NET SDK sends them all) are ignored."""

    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(required=True, validate=validate.Length(min=1))
    severity = fields.String(required=True, validate=validate.OneOf(["critical", "moderate", "minimal"]))
    supportTopicId = fields.Raw(required=True)
    productId = fields.String(allow_none=True)
    primaryContact = fields.Nested(ContactIn, allow_none=True)
    countryCode = fields.String(allow_none=True)


class ServiceRequestUpdate(Schema):
    class Meta:
        unknown = EXCLUDE

    newNote = fields.Dict(allow_none=True)
    status = fields.String(allow_none=True)
    severity = fields.String(allow_none=True, validate=validate.OneOf(["critical", "moderate", "minimal"]))


class ServiceRequestListArgs(Schema):
    status = fields.String(validate=validate.OneOf(list(ticket_rules.STATUSES)))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
