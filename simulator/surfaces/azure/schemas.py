"""Microsoft.Support 2024-04-01 request bodies (validated) and ARM resource shapes (documented)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ...domain.tickets import SEVERITIES


class CaseInsensitiveChoice(fields.String):
    """A string enum compared without case and loaded in the spec's own spelling."""

    def __init__(self, choices, **kwargs):
        self.choices = tuple(choices)
        super().__init__(metadata={"enum": list(self.choices)}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        for choice in self.choices:
            if text.lower() == choice.lower():
                return choice
        raise ValidationError(f"must be one of: {', '.join(self.choices)}; got '{text}'")


class _Body(Schema):
    """ARM ignores properties it does not know (read-only ones a client echoes back included)."""

    class Meta:
        unknown = EXCLUDE


class ContactProfile(_Body):
    firstName = fields.String(required=True, validate=validate.Length(min=1))
    lastName = fields.String(required=True, validate=validate.Length(min=1))
    preferredContactMethod = CaseInsensitiveChoice(("email", "phone"), required=True)
    primaryEmailAddress = fields.Email(required=True)
    additionalEmailAddresses = fields.List(fields.Email())
    phoneNumber = fields.String()
    preferredTimeZone = fields.String(required=True, validate=validate.Length(min=1))
    country = fields.String(required=True, validate=validate.Length(min=2, max=3))
    preferredSupportLanguage = fields.String(required=True, validate=validate.Length(min=2))

    @validates_schema
    def _phone(self, data, **kwargs):
        if data.get("preferredContactMethod") == "phone" and not data.get("phoneNumber"):
            raise ValidationError("is required when preferredContactMethod is 'phone'", "phoneNumber")


class UpdateContactProfile(ContactProfile):
    firstName = fields.String(validate=validate.Length(min=1))
    lastName = fields.String(validate=validate.Length(min=1))
    preferredContactMethod = CaseInsensitiveChoice(("email", "phone"))
    primaryEmailAddress = fields.Email()
    preferredTimeZone = fields.String(validate=validate.Length(min=1))
    country = fields.String(validate=validate.Length(min=2, max=3))
    preferredSupportLanguage = fields.String(validate=validate.Length(min=2))


class SecondaryConsent(_Body):
    userConsent = CaseInsensitiveChoice(("Yes", "No"))
    type = fields.String()


class TechnicalTicketDetails(_Body):
    resourceId = fields.String()


class QuotaTicketDetails(_Body):
    quotaChangeRequestSubType = fields.String()
    quotaChangeRequestVersion = fields.String()
    quotaChangeRequests = fields.List(fields.Dict())


class SupportTicketCreateProperties(_Body):
    serviceId = fields.String(required=True, validate=validate.Length(min=1))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(required=True, validate=validate.Length(min=1))
    problemClassificationId = fields.String(required=True, validate=validate.Length(min=1))
    severity = CaseInsensitiveChoice(SEVERITIES, required=True)
    contactDetails = fields.Nested(ContactProfile, required=True)
    advancedDiagnosticConsent = CaseInsensitiveChoice(("Yes", "No"), required=True)
    supportPlanId = fields.String(
        metadata={
            "description": "'Cloud Solution Provider' (or omitted) on behalf of a "
            "customer (R8); on the partner's own subscription an entitlement such as "
            "'azureSupportPlan:<id>', 'premier:<contract>', 'unified:<contract>' or "
            "'partnerAgreement:<MPN id>' (R13)."
        }
    )
    enrollmentId = fields.String()
    require24X7Response = fields.Boolean()
    problemScopingQuestions = fields.String()
    problemStartTime = fields.DateTime()
    fileWorkspaceName = fields.String()
    technicalTicketDetails = fields.Nested(TechnicalTicketDetails)
    quotaTicketDetails = fields.Nested(QuotaTicketDetails)
    secondaryConsent = fields.List(fields.Nested(SecondaryConsent))


class SupportTicketCreate(_Body):
    properties = fields.Nested(SupportTicketCreateProperties, required=True)


class LegacySupportTicketCreateProperties(SupportTicketCreateProperties):
    """api-versions before 2023-06-01-preview: advancedDiagnosticConsent is not required."""

    advancedDiagnosticConsent = CaseInsensitiveChoice(("Yes", "No"))


class LegacySupportTicketCreate(_Body):
    properties = fields.Nested(LegacySupportTicketCreateProperties, required=True)


class SupportTicketUpdate(_Body):
    severity = CaseInsensitiveChoice(SEVERITIES)
    status = CaseInsensitiveChoice(("open", "closed"))
    contactDetails = fields.Nested(UpdateContactProfile)
    advancedDiagnosticConsent = CaseInsensitiveChoice(("Yes", "No"))
    secondaryConsent = fields.List(fields.Nested(SecondaryConsent))


class CommunicationCreateProperties(_Body):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=500))
    body = fields.String(required=True, validate=validate.Length(min=1))
    sender = fields.Email(metadata={"description": "Required when the caller is a service principal."})


class CommunicationCreate(_Body):
    properties = fields.Nested(CommunicationCreateProperties, required=True)


class CheckNameAvailabilityInput(_Body):
    name = fields.String(required=True, validate=validate.Length(min=1))
    type = CaseInsensitiveChoice(
        ("Microsoft.Support/supportTickets", "Microsoft.Support/communications"), required=True
    )


# --- response shapes: the views return dicts, serialized through these (the document's contract) ---------------
_Sla = Schema.from_dict(
    {"startTime": fields.String(), "expirationTime": fields.String(), "slaMinutes": fields.Integer()},
    name="ServiceLevelAgreement",
)

SupportTicketProperties = Schema.from_dict(
    {
        "supportTicketId": fields.String(),
        "description": fields.String(),
        "problemClassificationId": fields.String(),
        "problemClassificationDisplayName": fields.String(),
        "severity": fields.String(),
        "enrollmentId": fields.String(),
        "require24X7Response": fields.Boolean(),
        "advancedDiagnosticConsent": fields.String(),
        "problemScopingQuestions": fields.String(),
        "supportPlanId": fields.String(),
        "contactDetails": fields.Nested(ContactProfile),
        "serviceLevelAgreement": fields.Nested(_Sla),
        "supportEngineer": fields.Dict(),
        "supportPlanType": fields.String(),
        "supportPlanDisplayName": fields.String(),
        "title": fields.String(),
        "problemStartTime": fields.String(),
        "serviceId": fields.String(),
        "serviceDisplayName": fields.String(),
        "status": fields.String(metadata={"enum": ["Open", "Updating", "Closed"]}),
        "createdDate": fields.String(),
        "modifiedDate": fields.String(),
        "fileWorkspaceName": fields.String(),
        "technicalTicketDetails": fields.Dict(),
        "quotaTicketDetails": fields.Dict(),
        "secondaryConsent": fields.List(fields.Dict()),
    },
    name="SupportTicketDetailsProperties",
)


def _resource(props: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {"id": fields.String(), "name": fields.String(), "type": fields.String(), "properties": fields.Nested(props)},
        name=name,
    )


def _list(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({"value": fields.List(fields.Nested(item)), "nextLink": fields.String()}, name=name)


SupportTicket = _resource(SupportTicketProperties, "SupportTicketDetails")
SupportTicketList = _list(SupportTicket, "SupportTicketsListResult")

Communication = _resource(
    Schema.from_dict(
        {
            "communicationType": fields.String(),
            "communicationDirection": fields.String(),
            "sender": fields.String(),
            "subject": fields.String(),
            "body": fields.String(),
            "createdDate": fields.String(),
        },
        name="CommunicationDetailsProperties",
    ),
    "CommunicationDetails",
)
CommunicationList = _list(Communication, "CommunicationsListResult")

Service = _resource(
    Schema.from_dict(
        {"displayName": fields.String(), "resourceTypes": fields.List(fields.String())}, name="ServiceProperties"
    ),
    "Service",
)
ServiceList = _list(Service, "ServicesListResult")
ProblemClassification = _resource(
    Schema.from_dict(
        {"displayName": fields.String(), "secondaryConsentEnabled": fields.List(fields.Dict())},
        name="ProblemClassificationProperties",
    ),
    "ProblemClassification",
)
ProblemClassificationList = _list(ProblemClassification, "ProblemClassificationsListResult")

Operation = Schema.from_dict({"name": fields.String(), "display": fields.Dict()}, name="Operation")
OperationList = _list(Operation, "OperationsListResult")

CheckNameAvailabilityOutput = Schema.from_dict(
    {"nameAvailable": fields.Boolean(), "reason": fields.String(), "message": fields.String()},
    name="CheckNameAvailabilityOutput",
)

Subscription = Schema.from_dict(
    {
        "id": fields.String(),
        "authorizationSource": fields.String(),
        "managedByTenants": fields.List(fields.Dict()),
        "subscriptionId": fields.String(),
        "tenantId": fields.String(),
        "displayName": fields.String(),
        "state": fields.String(),
        "subscriptionPolicies": fields.Dict(),
    },
    name="Subscription",
)
SubscriptionList = Schema.from_dict(
    {"value": fields.List(fields.Nested(Subscription)), "count": fields.Dict(), "nextLink": fields.String()},
    name="SubscriptionListResult",
)


class ArmErrorAdditionalInfo(Schema):
    type = fields.String(required=True)
    info = fields.Dict(required=True)


class ArmErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    target = fields.String()
    additionalInfo = fields.List(
        fields.Nested(ArmErrorAdditionalInfo),
        metadata={
            "description": "a denial: {type: PcsimRule, info: {rule, ...facts, explain}}, then {type: PcsimDecision}"
        },
    )


class ArmErrorResponse(Schema):
    """ARM's error body (common types v5 ``ErrorResponse``), every non-2xx answer."""

    error = fields.Nested(ArmErrorDetail, required=True)


# --- long-running creates, file workspaces, files, chat transcripts --------------------------------------------
OperationStatus = Schema.from_dict(
    {
        "id": fields.String(),
        "name": fields.String(),
        "status": fields.String(metadata={"enum": ["InProgress", "Succeeded"]}),
        "startTime": fields.String(),
        "endTime": fields.String(),
    },
    name="OperationStatus",
)
FileWorkspace = _resource(
    Schema.from_dict(
        {"createdOn": fields.String(), "expirationTime": fields.String()}, name="FileWorkspaceDetailsProperties"
    ),
    "FileWorkspaceDetails",
)
FileDetails = _resource(
    Schema.from_dict(
        {
            "createdOn": fields.String(),
            "chunkSize": fields.Integer(),
            "fileSize": fields.Integer(),
            "numberOfChunks": fields.Integer(),
        },
        name="FileDetailsProperties",
    ),
    "FileDetails",
)
FileList = _list(FileDetails, "FilesListResult")
ChatTranscript = _resource(
    Schema.from_dict(
        {"messages": fields.List(fields.Dict()), "startTime": fields.String()}, name="ChatTranscriptDetailsProperties"
    ),
    "ChatTranscriptDetails",
)
ChatTranscriptList = _list(ChatTranscript, "ChatTranscriptsListResult")


class FileCreateProperties(_Body):
    chunkSize = fields.Integer(required=True, strict=True)
    fileSize = fields.Integer(required=True, strict=True)
    numberOfChunks = fields.Integer(required=True, strict=True)


class FileCreate(_Body):
    properties = fields.Nested(FileCreateProperties, required=True)


class UploadFile(_Body):
    content = fields.String(required=True, validate=validate.Length(min=1))
    chunkIndex = fields.Integer(strict=True, load_default=0)


# --- Microsoft.Resources: tenants, locations (resources 2022-12-01: TenantIdDescription, Location) -------------
TenantIdDescription = Schema.from_dict(
    {
        "id": fields.String(),
        "tenantId": fields.String(),
        "tenantCategory": fields.String(metadata={"enum": ["Home", "ProjectedBy", "ManagedBy"]}),
        "country": fields.String(),
        "countryCode": fields.String(),
        "displayName": fields.String(),
        "domains": fields.List(fields.String()),
        "defaultDomain": fields.String(),
        "tenantType": fields.String(),
        "tenantBrandingLogoUrl": fields.String(),
    },
    name="TenantIdDescription",
)
TenantList = Schema.from_dict(
    {"value": fields.List(fields.Nested(TenantIdDescription)), "nextLink": fields.String()},
    name="TenantListResult",
)
PairedRegion = Schema.from_dict(
    {"name": fields.String(), "id": fields.String(), "subscriptionId": fields.String()}, name="PairedRegion"
)
LocationMetadata = Schema.from_dict(
    {
        "regionType": fields.String(),
        "regionCategory": fields.String(),
        "geography": fields.String(),
        "geographyGroup": fields.String(),
        "longitude": fields.String(),
        "latitude": fields.String(),
        "physicalLocation": fields.String(),
        "pairedRegion": fields.List(fields.Nested(PairedRegion)),
    },
    name="LocationMetadata",
)
Location = Schema.from_dict(
    {
        "id": fields.String(),
        "subscriptionId": fields.String(),
        "name": fields.String(),
        "type": fields.String(),
        "displayName": fields.String(),
        "regionalDisplayName": fields.String(),
        "metadata": fields.Nested(LocationMetadata),
    },
    name="Location",
)
LocationList = Schema.from_dict({"value": fields.List(fields.Nested(Location))}, name="LocationListResult")


# --- ARM's cloud metadata (GET /metadata/endpoints?api-version=2022-09-01, read by `az cloud register`) -------
class CloudAuthentication(Schema):
    loginEndpoint = fields.String()
    audiences = fields.List(fields.String())
    tenant = fields.String()
    identityProvider = fields.String()


class CloudMetadata(Schema):
    """The fields azure-cli's ``_arm_to_cli_mapper`` (azure/cli/core/cloud.py) reads, with their real names."""

    portal = fields.String()
    authentication = fields.Nested(CloudAuthentication)
    media = fields.String()
    graphAudience = fields.String()
    graph = fields.String()
    name = fields.String()
    suffixes = fields.Dict(keys=fields.String(), values=fields.String())
    batch = fields.String()
    resourceManager = fields.String()
    vmImageAliasDoc = fields.String()
    activeDirectoryDataLake = fields.String()
    sqlManagement = fields.String()
    microsoftGraphResourceId = fields.String()
    appInsightsResourceId = fields.String()
    appInsightsTelemetryChannelResourceId = fields.String()
    attestationResourceId = fields.String()
    synapseAnalyticsResourceId = fields.String()
    logAnalyticsResourceId = fields.String()
    ossrDbmsResourceId = fields.String()
