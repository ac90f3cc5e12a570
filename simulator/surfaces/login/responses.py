"""Entra ID endpoints: OpenID configuration, JWKS, token, user realm.

Served at ``/login/<tenant>/...`` and also at the root (``/<tenant>/...``, ``authority=https://host:port``),
because MSAL keys its token cache on the authority's first path segment.
"""

from __future__ import annotations

import base64

from flask import request

from ...auth.tokens import OAuthError, issuer, parse_scope
from ...domain.errors import NotFound
from ...services import sign_in
from ...store import queries
from .. import context as ctx
from ..openapi import Blueprint, cloud, make_api, mount, mount_per_cloud
from . import schemas
from .exceptions import render

META_TENANTS = {"common", "organizations", "consumers"}


def _tenant(ref: str):
    """The tenant in the path, None for common/organizations, or AADSTS90002 (also for another cloud's tenant)."""
    if ref.lower() in META_TENANTS:
        return None
    try:
        return sign_in.tenant(ctx.scope(), ref)
    except NotFound as exc:
        where = f" in the {cloud()} cloud's sign-in endpoint (R14)" if exc.rule == "R14" else ""
        raise OAuthError(
            "invalid_request",
            90002,
            f"Tenant '{ref}' not found{where}. Check to make sure you have the correct tenant ID and are "
            "signing into the correct cloud.",
        ) from None


bp = Blueprint(
    "login", __name__, description="Entra ID: OpenID configuration, signing keys, token endpoint, user realm discovery."
)


def base() -> str:
    """The root of the copy of the sign-in surface serving this request (``/login``, ``/usgov/login`` or ``""``)."""
    return request.url_root.rstrip("/") + str(request.url_rule).partition("/<tenant>/")[0]


@bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
@bp.response(200, schemas.OpenIdConfiguration)
def openid_configuration(tenant):
    """The tenant's OpenID configuration (``tenant``: an id, a domain, ``common`` or ``organizations``)."""
    t = _tenant(tenant)
    tid = t.id if t else "{tenantid}"
    # As Entra ID does: the endpoints name the tenant by its id, however the caller named it.
    root = f"{base()}/{t.id if t else tenant}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer(ctx.issuer_root(), tid, cloud()),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{root}/openid/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "nbf",
            "name",
            "oid",
            "tid",
            "upn",
            "preferred_username",
            "wids",
            "roles",
            "scp",
        ],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "pcsim.local",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com" if cloud() == "public" else "graph.microsoft.us",
    }


@bp.get("/<tenant>/discovery/v2.0/keys")
@bp.response(200, schemas.JsonWebKeySet)
def jwks(tenant):
    """The public keys that sign pcsim's tokens."""
    _tenant(tenant)
    return ctx.pcsim().keys.jwks()


@bp.route("/<tenant>/oauth2/v2.0/authorize", methods=["GET", "POST"])
@bp.alt_response(400, schema=schemas.EntraError, description="Always: unsupported_response_type (AADSTS70003)")
def authorize(tenant):
    """Interactive sign-in, which pcsim does not offer: use the token endpoint."""
    raise OAuthError(
        "unsupported_response_type",
        70003,
        "pcsim has no interactive sign-in: use the password "
        "(ROPC), client_credentials or refresh_token grant at the token endpoint.",
    )


def _missing(name: str) -> OAuthError:
    return OAuthError("invalid_request", 900144, f"The request body must contain the following parameter: '{name}'.")


def _client(form: dict) -> tuple[str, str]:
    """(client id, client secret) from the form, or from HTTP Basic authentication."""
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except ValueError:  # binascii.Error, UnicodeDecodeError
            raise OAuthError(
                "invalid_client", 7000216, "The Authorization header is not valid Basic auth.", 401
            ) from None
    return client_id, client_secret


def _client_credentials(form: dict, ref: str, t, client_id: str, client_secret: str):
    if t is None:
        raise OAuthError(
            "invalid_request",
            900023,
            f"Specified tenant identifier '{ref}' is neither a valid DNS "
            "name, nor a valid external domain: app-only tokens need a tenant.",
        )
    scope = parse_scope(form.get("scope"), form.get("resource"))
    return ctx.pcsim().tokens.client_credentials(
        ctx.session(), ctx.world().id, t, client_id, client_secret, scope, ctx.now(), origin=ctx.issuer_root()
    )


def _password(form: dict, ref: str, t, client_id: str, client_secret: str):
    for required in ("username", "password"):
        if not form.get(required):
            raise _missing(required)
    scope = parse_scope(form.get("scope"), form.get("resource"))
    return ctx.pcsim().tokens.password(
        ctx.session(),
        ctx.world().id,
        t,
        client_id,
        form["username"],
        form["password"],
        scope,
        ctx.now(),
        origin=ctx.issuer_root(),
        client_info=form.get("client_info") == "1",
    )


def _refresh_token(form: dict, ref: str, t, client_id: str, client_secret: str):
    if not form.get("refresh_token"):
        raise _missing("refresh_token")
    words = [w for w in (form.get("scope") or "").split() if w not in ("openid", "profile", "offline_access")]
    scope = parse_scope(form.get("scope")) if words else None
    return ctx.pcsim().tokens.refresh(
        ctx.session(),
        ctx.world().id,
        t,
        client_id,
        form["refresh_token"],
        scope,
        ctx.now(),
        origin=ctx.issuer_root(),
        client_info=form.get("client_info") == "1",
    )


GRANTS = {"client_credentials": _client_credentials, "password": _password, "refresh_token": _refresh_token}


@bp.post("/<tenant>/oauth2/v2.0/token")
@bp.arguments(schemas.TokenRequest, location="form")
@bp.response(200, schemas.TokenResponse)
def token(form, tenant):
    """A token: client_credentials in the app's tenant; password (ROPC) or refresh_token for a user, in the
    user's home tenant (``common``, ``organizations``) or, for a partner's user, in a customer tenant through an
    active GDAP relationship (R5), with the roles it grants."""
    t = _tenant(tenant)
    client_id, client_secret = _client(form)
    grant = form.get("grant_type")
    if not grant:
        raise _missing("grant_type")
    if not client_id:
        raise _missing("client_id")
    if grant not in GRANTS:
        raise OAuthError(
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'. pcsim supports client_credentials, "
            "password and refresh_token.",
        )
    return GRANTS[grant](form, tenant, t, client_id, client_secret)


@bp.get("/common/userrealm/<path:upn>")
@bp.response(200, schemas.UserRealm)
def user_realm(upn):
    """MSAL's user realm discovery for a username (``?api-version=1.0``), answered at the root as well."""
    domain = upn.rpartition("@")[2].lower()
    tenant = queries.tenant_by_ref(ctx.session(), ctx.world().id, domain) if domain else None
    if tenant is None:
        return {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"}
    return {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }


def register(app) -> list:
    """Mount the sign-in surface for each cloud, and at the root for the public cloud (undocumented: the same
    routes); returns (path prefix, error renderer) pairs."""
    app.register_error_handler(OAuthError, render)
    document = make_api(
        app,
        "login",
        "Entra ID sign-in (pcsim)",
        "Entra ID (Microsoft identity platform v2.0) as pcsim imitates it: OpenID configuration, "
        "signing keys, the token endpoint (client_credentials, password and refresh_token grants) "
        "and MSAL's user realm discovery. Served at /login/{tenant}/..., /usgov/login/{tenant}/... "
        "(US Government) and, for the public cloud, at the root (/{tenant}/..., for "
        "authority=https://host:port). No token needed; errors in Entra's OAuth2 body with AADSTS "
        "codes.",
        version="v2.0",
        error_schema=schemas.EntraError,
        bearer=False,
    )
    prefixes = mount_per_cloud(app, document, bp, "/login", render)
    # Root mount (public cloud): authority=https://host:port, and MSAL's user realm discovery.
    mount(app, None, bp, "", "public", f"{bp.name}_root")
    return prefixes
