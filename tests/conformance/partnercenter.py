"""Partner Center's judge: every response of the ``partnercenter_public`` blueprints, checked against Microsoft's
own models.

The models are those of the PyPI package ``partnercenterservices`` (an AutoRest client generated from Partner
Center's own swagger; ``microsoft.store.partnercenterservices.models``, ``Microsoft.Partner.Sdk.Contracts.V1.*``):
their field names and types are read through msrest's public ``Deserializer`` (a key extractor records each
model's attributes), their enum values from each model's docstring ("Possible values include: ..."), and every
body goes through ``Deserializer`` itself as a real client would. Where the .NET SDK
(``microsoft/partner-center-sdk-for-dotNET``, ``Source/PartnerSdk.Models/``) says more, it is written below with the
file it comes from: fields the swagger lacks, enum members, which value types may be null (a .NET ``DateTime``,
``bool``, ``int`` or enum is never null: Newtonsoft throws), and that a collection's ``totalCount`` is the number of
items it holds (``ResourceCollection{TResource,TLinks}.cs``: ``TotalCount => internalItems.Count``).

Checked: the body is JSON; no field the models do not know; each field's type; no null where .NET's type is a value
type; enum values; ``totalCount``. Errors (status >= 400): Partner Center's error body (.NET ``ApiFault.cs``).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from flask import Request, Response
from microsoft.store.partnercenterservices import models
from msrest.exceptions import DeserializationError
from msrest.serialization import Deserializer

from . import register

V1 = "MicrosoftPartnerSdkContractsV1"
CLASSES = {name: value for name, value in vars(models).items() if isinstance(value, type)}

# --- what the .NET SDK says more (Source/PartnerSdk.Models/...) ------------------------------------------------
# Fields the swagger's models lack, per model (name without the V1 prefix): JSON key -> msrest type.
DOTNET_FIELDS: dict[str, dict[str, str]] = {
    # Subscriptions/Subscription.cs
    "Subscription": {
        "productType": "object",
        "consumptionType": "str",
        "commitmentEndDateTime": "iso-8601",
        "cancellationAllowedUntilDate": "iso-8601",
        "billingCycleEndDate": "iso-8601",
        "billingCycleEndDateTime": "iso-8601",
        "termDuration": "str",
        "renewalTermDuration": "str",
        "refundOptions": "[object]",
        "isMicrosoftProduct": "bool",
        "publisherName": "str",
        "promotionId": "str",
        "migratedFromSubscriptionId": "str",
        "refundableQuantity": "object",
        "scheduledNextTermInstructions": "object",
        "nextChargeInstructions": "object",
    },
    # Subscriptions/SubscriptionLinks.cs
    "ContractsLinksSubscriptionLinks": {
        "product": f"{V1}CommonLink",
        "sku": f"{V1}CommonLink",
        "availability": f"{V1}CommonLink",
        "activationLinks": f"{V1}CommonLink",
    },
    # Customers/CustomerCompanyProfile.cs
    "CustomerCompanyProfile": {"organizationRegistrationNumber": "str"},
}
# The swagger has no model for these: written from the .NET SDK.
DOTNET_MODELS: dict[str, dict[str, str]] = {
    # ServiceIncidents/ServiceIncidents.cs: what GET /serviceincidents/office returns, per workload
    # (ServiceIncidentCollectionOperations: ResourceCollection<ServiceIncidents>; the swagger's operation says
    # ServiceIncidentDetail, which no SDK reads).
    "ServiceIncidentsCollection": {
        "totalCount": "int",
        "items": f"[{V1}ServiceHealthServiceIncidents]",
        "links": f"{V1}CommonResourceLinks",
        "attributes": f"{V1}CommonResourceAttributes",
    },
}
# Enum members the .NET SDK has beyond the swagger's, as the SDK writes them (EnumJsonConverter: snake case).
DOTNET_ENUMS: dict[tuple[str, str], set[str]] = {
    # Subscriptions/SubscriptionStatus.cs
    ("Subscription", "status"): {"expired", "pending", "disabled"},
    # Offers/BillingCycleType.cs
    ("Subscription", "billingCycle"): {"triennial", "biennial"},
    # ServiceRequests/ServiceRequestStatus.cs
    ("ServiceRequest", "status"): {"none", "open", "closed", "attention_needed"},
}
# .NET's nullable value types (``bool?``, ``DateTime?``): null is fine there. Every other int, bool, DateTime
# or enum field is a .NET value type, and null makes Newtonsoft throw.
DOTNET_NULLABLE = {
    ("Customer", "allowDelegatedAccess"),  # Customers/Customer.cs: bool?
    ("ServiceRequestNote", "createdDate"),  # ServiceRequests/ServiceRequestNote.cs: DateTime?
}
NON_NULLABLE_TYPES = {"int", "bool", "iso-8601", "long", "float"}

# Which model each route answers with (the view function's name). Collections: the swagger's
# ``CollectionsResourceCollection<Model>``; the customers' list is .NET's SeekBasedResourceCollection
# (SeekBasedResourceCollection{TResource}.cs: ``continuationToken``).
COLLECTION = f"{V1}CollectionsResourceCollectionMicrosoftPartnerSdkContractsV1"
ROUTES: dict[str, str] = {
    "list_customers": f"{COLLECTION}Customer",
    "get_customer": f"{V1}Customer",
    "company_profile": f"{V1}CustomerCompanyProfile",
    "billing_profile": f"{V1}CustomerBillingProfile",
    "list_subscriptions": f"{COLLECTION}Subscription",
    "get_subscription": f"{V1}Subscription",
    "customer_relationships": f"{COLLECTION}PartnerRelationship",
    "partner_relationships": f"{COLLECTION}PartnerRelationship",
    "mpn_profile": f"{V1}MpnProfile",
    "organization_profile": f"{V1}OrganizationProfile",
    "support_topics": f"{COLLECTION}SupportTopic",
    "create_partner_request": f"{V1}ServiceRequest",
    "create_customer_request": f"{V1}ServiceRequest",
    "get_partner_request": f"{V1}ServiceRequest",
    "get_customer_request": f"{V1}ServiceRequest",
    "update_partner_request": f"{V1}ServiceRequest",
    "update_customer_request": f"{V1}ServiceRequest",
    "list_partner_requests": f"{COLLECTION}ServiceRequest",
    "list_customer_requests": f"{COLLECTION}ServiceRequest",
    "service_incidents": "ServiceIncidentsCollection",
    "customer_service_incidents": "ServiceIncidentsCollection",
    "customer_service_incidents_old_path": "ServiceIncidentsCollection",
}
# Routes whose response no SDK model describes (pcsim's own, marked x-pcsim in its OpenAPI document; the partner
# profile: Partner Center's profiles are mpn, organization, legalbusiness, billing and support): errors only.
UNMODELLED = {"new_request", "partner_profile"}
EXTRA_FIELDS: dict[str, dict[str, str]] = {
    f"{COLLECTION}Customer": {"continuationToken": "str"},  # SeekBasedResourceCollection{TResource}.cs
}


def _short(model: str) -> str:
    return model.removeprefix(V1)


@functools.cache
def fields_of(model: str) -> dict[str, tuple[str, str]]:
    """The model's JSON keys -> (its Python attribute, msrest type), as msrest's Deserializer walks them."""
    if model in DOTNET_MODELS:
        return {key: (key, kind) for key, kind in DOTNET_MODELS[model].items()}
    recorded: dict[str, tuple[str, str]] = {}

    def record(attr: str, attr_desc: dict, data: Any) -> None:
        recorded[attr_desc["key"]] = (attr, attr_desc["type"])
        return None

    deserializer = Deserializer(CLASSES)
    deserializer.key_extractors = [record]
    deserializer(model, {})
    for key, kind in {**DOTNET_FIELDS.get(_short(model), {}), **EXTRA_FIELDS.get(model, {})}.items():
        recorded.setdefault(key, (key, kind))
    return recorded


@functools.cache
def enums_of(model: str) -> dict[str, frozenset[str]]:
    """The model's enum fields (JSON key -> values), from its docstring's "Possible values include: ..."."""
    cls = CLASSES.get(model)
    if cls is None:
        return {}
    by_attr = {attr: key for key, (attr, _) in fields_of(model).items()}
    enums: dict[str, frozenset[str]] = {}
    parts = re.split(r"\n\s*:(param|ivar|type|vartype) (\w+):", cls.__doc__ or "")
    for kind, attr, text in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        found = re.search(r"Possible\s+values\s+include:(.*)", text, re.S)
        if kind in ("param", "ivar") and found and attr in by_attr:
            key = by_attr[attr]
            enums[key] = frozenset(re.findall(r"'([^']*)'", found.group(1))) | DOTNET_ENUMS.get(
                (_short(model), key), set()
            )
    return enums


def _is_datetime(value: Any) -> bool:
    try:
        Deserializer.deserialize_iso(value)
    except (DeserializationError, ValueError, TypeError, AttributeError):
        return False
    return True


def check_value(value: Any, kind: str, where: str, nullable: bool) -> list[str]:
    if value is None:
        return [] if nullable else [f"{where}: null, where the SDK's type ({kind}) is a non-nullable .NET value type"]
    if kind == "object":
        return []
    if kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list ({kind})"]
        return [p for i, v in enumerate(value) for p in check_value(v, kind[1:-1], f"{where}[{i}]", False)]
    if kind.startswith("{") and kind.endswith("}"):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not an object ({kind})"]
        return [p for k, v in value.items() for p in check_value(v, kind[1:-1], f"{where}.{k}", True)]
    simple = {"str": str, "int": int, "long": int, "float": (int, float), "bool": bool}
    if kind in simple:
        ok = isinstance(value, simple[kind]) and not (kind != "bool" and isinstance(value, bool))
        return [] if ok else [f"{where}: {value!r} is not of the SDK's type {kind}"]
    if kind == "iso-8601":
        return [] if isinstance(value, str) and _is_datetime(value) else [f"{where}: {value!r} is not a date-time"]
    if kind in CLASSES or kind in DOTNET_MODELS:
        return check_model(value, kind, where)
    return [f"{where}: the judge does not know the SDK type {kind}"]


def check_model(body: Any, model: str, where: str = "body") -> list[str]:
    if not isinstance(body, dict):
        return [f"{where}: {type(body).__name__}, not an object ({_short(model)})"]
    fields, enums, problems = fields_of(model), enums_of(model), []
    for key, value in body.items():
        if key not in fields:
            problems.append(f"{where}.{key}: not a field of {_short(model)}")
            continue
        kind = fields[key][1]
        nullable = (_short(model), key) in DOTNET_NULLABLE or (kind not in NON_NULLABLE_TYPES and key not in enums)
        problems += check_value(value, kind, f"{where}.{key}", nullable)
        if key in enums and value is not None and value not in enums[key]:
            problems.append(f"{where}.{key}: {value!r} is not one of {_short(model)}'s values {sorted(enums[key])}")
    if "items" in fields and isinstance(body.get("items"), list) and "totalCount" in body:
        if body["totalCount"] != len(body["items"]):
            problems.append(
                f"{where}.totalCount: {body['totalCount']} for {len(body['items'])} items (the SDK's "
                "ResourceCollection counts the items it holds)"
            )
    return problems


def check_fault(body: Any) -> list[str]:
    """Partner Center's error body (.NET ApiFault.cs: code, description, data: IEnumerable<object>; the swagger's
    MicrosoftMarketplaceServicesCoreServiceFault: code int, source)."""
    if not isinstance(body, dict):
        return ["error body: not an object"]
    problems = [f"error.{k}: not a field of Partner Center's error" for k in body if k not in FAULT]
    for key, kinds in FAULT.items():
        if key in ("code", "description") and key not in body:
            problems.append(f"error.{key}: missing")
        elif key in body and body[key] is not None and not isinstance(body[key], kinds):
            problems.append(f"error.{key}: {body[key]!r} has the wrong type")
    return problems


FAULT: dict[str, Any] = {"code": int, "description": str, "data": list, "source": str}
MSREST_SAMPLE = 3


def validate(request: Request, response: Response) -> list[str]:
    view = (request.endpoint or "").rpartition(".")[2]
    if response.status_code in (204, 304) or request.method == "HEAD":
        return []
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return ["the body is not JSON"]
    if response.status_code >= 400:
        return check_fault(body)
    model = ROUTES.get(view)
    if model is None:
        return [] if view in UNMODELLED or not view else [f"the judge knows no model for the route {view!r}"]
    problems = check_model(body, model)
    if not problems and model in CLASSES:
        # And as msrest itself deserializes it (a collection's first items: the walk above checked every item,
        # and msrest costs about a millisecond an item).
        sample = dict(body, items=body["items"][:MSREST_SAMPLE]) if isinstance(body.get("items"), list) else body
        try:
            Deserializer(CLASSES)(model, sample)
        except DeserializationError as exc:
            problems.append(f"msrest cannot deserialize it as {_short(model)}: {exc}")
    return problems


register("partnercenter_public", validate)
