"""Entra ID sign-in shapes: the OpenID configuration, the signing keys, the token request (a form) and its
answer, MSAL's user realm answer, and the OAuth2 error body."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

GRANT_TYPES = ["client_credentials", "password", "refresh_token"]


def _text(description: str, **kwargs) -> fields.String:
    return fields.String(metadata={"description": description}, **kwargs)


def _words(description: str) -> fields.List:
    return fields.List(fields.String(), metadata={"description": description})


class OpenIdConfiguration(Schema):
    """The tenant's OpenID Connect discovery document; the endpoints name the tenant by its id."""

    token_endpoint = _text("Where to post the token request (this surface's copy: /login, /usgov/login or root).")
    token_endpoint_auth_methods_supported = _words("client_secret_post, client_secret_basic")
    jwks_uri = _text("The signing keys (JWKS).")
    response_modes_supported = _words("As Entra ID publishes them (pcsim has no interactive sign-in).")
    subject_types_supported = _words("pairwise")
    id_token_signing_alg_values_supported = _words("RS256")
    response_types_supported = _words("As Entra ID publishes them (pcsim has no interactive sign-in).")
    scopes_supported = _words("The OpenID Connect scopes.")
    issuer = _text("The issuer of the tenant's tokens in this world ('{tenantid}' for common/organizations).")
    request_uri_parameter_supported = fields.Boolean()
    userinfo_endpoint = fields.String()
    authorization_endpoint = _text("Published for clients that read it; pcsim answers it with an error.")
    device_authorization_endpoint = fields.String()
    http_logout_supported = fields.Boolean()
    frontchannel_logout_supported = fields.Boolean()
    end_session_endpoint = fields.String()
    claims_supported = _words("The claims pcsim's tokens carry.")
    tenant_region_scope = fields.String()
    cloud_instance_name = fields.String()
    cloud_graph_host_name = fields.String()
    msgraph_host = _text("graph.microsoft.com (public cloud) or graph.microsoft.us (US Government).")


class JsonWebKey(Schema):
    kty = _text("RSA")
    use = _text("sig")
    kid = _text("The key id, as in the tokens' 'kid' header.")
    x5t = _text("The same value as kid.")
    alg = _text("RS256")
    n = _text("The modulus (base64url).")
    e = _text("The exponent (base64url).")


class JsonWebKeySet(Schema):
    """The keys that sign the tokens of every world of this pcsim."""

    keys = fields.List(fields.Nested(JsonWebKey))


class TokenRequest(Schema):
    """The token request, a form (``application/x-www-form-urlencoded``). The client may authenticate with HTTP
    Basic (client id and secret) instead of client_id and client_secret. Unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    grant_type = fields.String(
        metadata={
            "enum": GRANT_TYPES,
            "description": (
                "client_credentials (an app's own token), password (ROPC: a user's) or refresh_token. Required; "
                "another grant answers unsupported_grant_type."
            ),
        }
    )
    client_id = _text(
        "The application (client) id; required unless given by HTTP Basic authentication. The "
        "password and refresh_token grants accept the public clients pcsim knows (the Azure CLI's...)."
    )
    client_secret = _text("The app's secret (client_credentials).")
    scope = _text(
        "Space-separated: one resource's scopes ('https://graph.microsoft.com/.default', "
        "'User.Read'...), with openid, profile, offline_access if wanted (openid or profile add an "
        "id_token). client_credentials requires '<resource>/.default'."
    )
    resource = _text("v1 style: the resource, used when scope names none.")
    username = _text("The user's UPN (password grant).")
    password = _text("The user's password (password grant).")
    refresh_token = _text(
        "A refresh token from an earlier answer (refresh_token grant); without a resource in "
        "scope, the new token is for the refresh token's resource."
    )
    client_info = _text("'1' to receive client_info (and an id_token), as MSAL asks.")


class TokenResponse(Schema):
    """A token: the access token (RS256 JWT), and for a user a refresh token (and an id_token, client_info)."""

    token_type = _text("Bearer")
    scope = _text("The scope granted, without the OpenID Connect scopes.")
    expires_in = fields.Integer(metadata={"description": "Seconds (3600)."})
    ext_expires_in = fields.Integer()
    access_token = fields.String()
    refresh_token = _text("User grants only.")
    id_token = _text("User grants asking for openid or profile (or client_info).")
    client_info = _text("With client_info=1: base64url JSON {uid, utid}.")


class UserRealm(Schema):
    """MSAL's user realm discovery: is the UPN's domain a managed tenant of this world?"""

    ver = fields.String()
    account_type = _text("Managed (a domain of a tenant of the world) or Unknown.")
    domain_name = _text("Managed only.")
    cloud_instance_name = fields.String()
    cloud_audience_urn = _text("Managed only.")


class EntraError(Schema):
    """Entra ID's OAuth2 error body (every non-2xx answer), with ``Cache-Control: no-store``."""

    error = _text(
        "invalid_request, invalid_client, invalid_grant, unauthorized_client, unsupported_grant_type, "
        "invalid_scope, invalid_resource, unsupported_response_type, temporarily_unavailable, "
        "server_error...",
        required=True,
    )
    error_description = _text(
        "'AADSTS<code>: <reason>' followed by the trace id, correlation id and timestamp.", required=True
    )
    error_codes = fields.List(fields.Integer(), required=True, metadata={"description": "The AADSTS code."})
    timestamp = _text("'YYYY-MM-DD hh:mm:ssZ'", required=True)
    trace_id = fields.String(required=True)
    correlation_id = _text("The request's client-request-id header, else a new id.", required=True)
    error_uri = fields.String(required=True)
    pcsim_explain = _text("pcsim's own, on a GDAP refusal (AADSTS50020): where to read the request's decision trace.")
