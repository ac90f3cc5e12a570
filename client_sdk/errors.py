"""The SDK's exceptions.

Every error a server answers becomes a :class:`PcsimError` (or a subclass) carrying the HTTP status, the
message, the service's error code, the rule id (``R1``..``R14``) when pcsim names one, the request id and the
parsed body. Network failures stay ``requests`` exceptions (``requests.ConnectionError``, ``Timeout``).

    PcsimError
    +-- AuthenticationError            Entra ID token endpoint (OAuth2 error, AADSTS code)
    +-- PartnerCenterError             Partner Center REST (int code, rule from data[0].rule)
    |   +-- PartnerCenterNotFound      (also a NotFound)
    |   +-- PartnerCenterForbidden     (also a Forbidden)
    +-- GraphError                     Microsoft Graph and Microsoft 365 admin (str code, rule from
    |   |                              error.innerError.rule, contact from error.innerError.contact)
    |   +-- GraphNotFound              (also a NotFound)
    |   +-- GraphForbidden             (also a Forbidden)
    +-- ArmError                       Azure Resource Manager (str code, rule from error.additionalInfo)
    |   +-- ArmNotFound                (also a NotFound)
    |   +-- ArmForbidden               (also a Forbidden)
    +-- NotFound                       any 404
    +-- Forbidden                      any 403
"""

from __future__ import annotations

import re


class PcsimError(Exception):
    """An error response from the server."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code=None,
        rule: str | None = None,
        request_id: str | None = None,
        body=None,
        response=None,
        contact: dict | None = None,
        explain: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.rule = rule
        self.request_id = request_id
        self.body = body
        self.response = response
        self.contact = contact  # whom to ask instead: the ISV (R11), the CSP partner (R10)
        self.explain = explain  # pcsim's explanation of the decision (a URL), when it names a rule

    def __str__(self) -> str:
        parts = [
            f"{self.status}" if self.status else None,
            f"{self.code}" if self.code is not None else None,
            f"rule {self.rule}" if self.rule else None,
        ]
        prefix = " ".join(p for p in parts if p)
        return f"[{prefix}] {self.message}" if prefix else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, rule={self.rule!r}, "
            f"message={self.message!r})"
        )


class NotFound(PcsimError):
    """The server answered 404."""


class Forbidden(PcsimError):
    """The server answered 403: a rule denies the action (see ``rule``)."""


class AuthenticationError(PcsimError):
    """Entra ID refused to issue a token. ``error`` is the OAuth2 error (``invalid_grant``...), ``aadsts``
    the AADSTS number (50126: wrong user name or password; 50020: no GDAP access to that tenant...)."""

    def __init__(self, message: str, *, error: str | None = None, aadsts: int | None = None, **kwargs):
        kwargs.setdefault("code", error)
        super().__init__(message, **kwargs)
        self.error = error
        self.aadsts = aadsts


class PartnerCenterError(PcsimError):
    """Partner Center's error body ``{code, description, data, source}``: ``code`` is an int (20002...)."""


class PartnerCenterNotFound(PartnerCenterError, NotFound):
    pass


class PartnerCenterForbidden(PartnerCenterError, Forbidden):
    pass


class GraphError(PcsimError):
    """Microsoft Graph's error body ``{"error": {code, message, innerError}}``: ``code`` is a string
    (``Authorization_RequestDenied``...)."""


class GraphNotFound(GraphError, NotFound):
    pass


class GraphForbidden(GraphError, Forbidden):
    pass


class ArmError(PcsimError):
    """Azure Resource Manager's error body ``{"error": {code, message, target, additionalInfo}}``: ``code`` is a
    string (``AuthorizationFailed``, ``NonTechnicalTicketRequiresProvider``...), ``target`` the property it is
    about, ``rule`` from the ``{"type": "PcsimRule", "info": {"rule": ...}}`` entry of ``additionalInfo`` (whose
    ``info`` is also in ``.info``)."""

    def __init__(self, message: str, *, target: str | None = None, info: dict | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.target = target
        self.info = info or {}


class ArmNotFound(ArmError, NotFound):
    pass


class ArmForbidden(ArmError, Forbidden):
    pass


_BY_STATUS = {
    PartnerCenterError: {404: PartnerCenterNotFound, 403: PartnerCenterForbidden},
    GraphError: {404: GraphNotFound, 403: GraphForbidden},
    ArmError: {404: ArmNotFound, 403: ArmForbidden},
}


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def authentication_error(response) -> AuthenticationError:
    """An ``AuthenticationError`` from a token endpoint's error response."""
    body = _json(response)
    if not isinstance(body, dict):
        return AuthenticationError(
            response.text or response.reason or "token request failed",
            status=response.status_code,
            body=body,
            response=response,
        )
    codes = body.get("error_codes") or []
    aadsts = codes[0] if codes else None
    if aadsts is None:  # fall back to the number in the description ("AADSTS50126: ...")
        match = re.search(r"AADSTS(\d+)", body.get("error_description", ""))
        aadsts = int(match.group(1)) if match else None
    return AuthenticationError(
        body.get("error_description") or body.get("error") or "token request failed",
        error=body.get("error"),
        aadsts=aadsts,
        status=response.status_code,
        request_id=body.get("trace_id") or body.get("correlation_id"),
        body=body,
        response=response,
    )


def partner_center_error(response) -> PartnerCenterError:
    body = _json(response)
    code = rule = contact = explain = None
    message = response.text or response.reason or "Partner Center request failed"
    if isinstance(body, dict):
        code = body.get("code")
        message = body.get("description") or message
        data = body.get("data") or []
        if data and isinstance(data[0], dict):
            rule, contact, explain = data[0].get("rule"), data[0].get("contact"), data[0].get("explain")
    cls = _BY_STATUS[PartnerCenterError].get(response.status_code, PartnerCenterError)
    return cls(
        message,
        status=response.status_code,
        code=code,
        rule=rule,
        request_id=response.headers.get("MS-RequestId"),
        body=body,
        response=response,
        contact=contact,
        explain=explain,
    )


def graph_error(response) -> GraphError:
    body = _json(response)
    code = rule = contact = explain = None
    message = response.text or response.reason or "Graph request failed"
    request_id = response.headers.get("request-id")
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or message
        inner = error.get("innerError") or error.get("innererror") or {}
        rule, contact, explain = inner.get("rule"), inner.get("contact"), inner.get("explain")
        request_id = request_id or inner.get("request-id")
    cls = _BY_STATUS[GraphError].get(response.status_code, GraphError)
    return cls(
        message,
        status=response.status_code,
        code=code,
        rule=rule,
        request_id=request_id,
        body=body,
        response=response,
        contact=contact,
        explain=explain,
    )


def arm_error(response) -> ArmError:
    body = _json(response)
    code = rule = target = None
    info: dict = {}
    message = response.text or response.reason or "Azure Resource Manager request failed"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or message
        target = error.get("target")
        for entry in error.get("additionalInfo") or []:
            if isinstance(entry, dict) and entry.get("type") == "PcsimRule" and isinstance(entry.get("info"), dict):
                info = entry["info"]
                rule = info.get("rule")
                break
    cls = _BY_STATUS[ArmError].get(response.status_code, ArmError)
    contact = info.get("contact") if isinstance(info.get("contact"), dict) else None
    return cls(
        message,
        status=response.status_code,
        code=code,
        rule=rule,
        target=target,
        info=info,
        request_id=response.headers.get("x-ms-request-id"),
        body=body,
        response=response,
        contact=contact,
        explain=info.get("explain"),
    )
