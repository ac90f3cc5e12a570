"""Entra ID's token issuance, as pcsim imitates it: client credentials, password (ROPC), refresh token.

A partner user gets a token in a customer tenant only through GDAP (an active, unexpired relationship
with an active access assignment to a group the user is in); the token carries the effective roles.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import jwt
from sqlalchemy.orm import Session

from ..domain import catalog
from ..domain.access import EffectiveRoles, effective_roles
from ..domain.catalog import CLOUD_PREFIX, ENTRA_ROLE_NAMES, resource_for
from ..domain.clock import utcnow
from ..domain.decision import Decision
from ..domain.errors import Denied
from ..store import queries
from ..store.models import Tenant, User
from .keys import KeyRing, b64json

# Token times: ``iat``, ``nbf`` and ``exp`` are wall-clock times (as Entra ID's: any standard validator on the
# machine's clock accepts a fresh token); this private claim holds the world's clock at issue, so a token also
# expires when its world's clock has run its lifetime (a test advances the world's clock to expire it), and is
# not yet valid in a world whose clock was set back before it. docs/fidelity.md, "Sign-in".
WORLD_TIME_CLAIM = "xms_pcsim_world_iat"
# The world that issued a token (worlds share signing keys, and a world's issuer may have no world in its path).
WORLD_CLAIM = "xms_pcsim_world"

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}
# Scopes without a resource (``User.Read``) are Microsoft Graph's, as Entra ID reads them.
GRAPH_SHORT_SCOPE_RESOURCE = "https://graph.microsoft.com"


class OAuthError(Exception):
    """An Entra ID OAuth2 error: ``error`` code, AADSTS number and description."""

    def __init__(self, error: str, aadsts: int, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.aadsts, self.description, self.status = error, aadsts, description, status


VERIFIED_TOKENS_KEPT = 10_000


class TokenRejected(Exception):
    """A bearer token a surface must refuse; ``reason`` says why. An expired token also says when it expired and
    when it was presented (``expired_at``, ``at``: by the clock it expired by), which ARM's message names."""

    def __init__(self, reason: str, expired_at: datetime | None = None, at: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.expired_at, self.at = expired_at, at


class TokenExpired(OAuthError):
    """A token past its ``exp`` (by the wall clock) or its lifetime (by its world's clock)."""

    def __init__(self, description: str, expired_at: datetime, at: datetime):
        super().__init__("invalid_token", 0, description)
        self.expired_at, self.at = expired_at, at


def issuer(root: str, tenant_id: str, cloud: str = "public") -> str:
    """The issuer of a world's tokens, under the world's sign-in root as the client reached it (``root``: scheme,
    host and port, then ``/worlds/<id>`` for a world other than the default one reached by that path), as Entra
    ID's is on its authority's host (``https://login.microsoftonline.com/{tenantid}/v2.0``; MSAL.js refuses an
    OpenID configuration whose issuer is on another host). At a world's own root the tenant id is the issuer's
    first path segment, as Entra's (the Azure CLI reads it there). The US Government cloud's tenants' under
    ``/usgov``."""
    return f"{root}{CLOUD_PREFIX.get(cloud, '')}/{tenant_id}/v2.0"


def same_issuer(given: object, origin: str, world_id: str, tenant_id: str, cloud: str, default_world: str) -> bool:
    """Whether ``given`` is an issuer of ``world_id`` at ``origin``'s host name, on any port and scheme: a world's
    root is a port of its own, and a token issued there is good under ``/worlds/<id>`` on the main port too (and
    the other way round). Which world issued a token is its WORLD_CLAIM's, checked apart."""
    if not isinstance(given, str):
        return False
    a, b = urlsplit(given), urlsplit(origin)
    tail = f"{CLOUD_PREFIX.get(cloud, '')}/{tenant_id}/v2.0"
    paths = {tail} if world_id == default_world else {tail, f"/worlds/{world_id}{tail}"}
    return bool(a.hostname) and a.hostname == b.hostname and a.path in paths


def _secret_matches(given: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hashlib.sha256(given.encode("utf-8")).hexdigest(), stored_hash)


@dataclass
class Scope:
    resource: str  # canonical audience
    cloud: str
    surface: str
    text: str  # the scope as echoed back
    oidc: set[str]


def parse_scope(scope: str | None, resource: str | None = None) -> Scope:
    words = (scope or "").split()
    oidc = {w for w in words if w in OIDC_SCOPES}
    rest = [w for w in words if w not in OIDC_SCOPES]
    if resource and not rest:
        rest = [resource.rstrip("/") + "/.default"]
    if not rest:
        raise OAuthError(
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid. "
            "Name a resource, e.g. 'https://api.partnercenter.microsoft.com/.default'.",
        )
    resources = set()
    for w in rest:
        if "://" in w:
            base, _, _perm = w.rpartition("/")
            resources.add(base if base.count("/") >= 2 else w)
        else:
            resources.add(GRAPH_SHORT_SCOPE_RESOURCE)
    if len(resources) > 1:
        raise OAuthError(
            "invalid_request",
            28000,
            f"Provided value for the input parameter scope is not valid because it contains more than "
            f"one resource: {' '.join(sorted(resources))}.",
        )
    wanted = resources.pop()
    found = resource_for(wanted)
    if found is None:
        raise OAuthError(
            "invalid_resource",
            500011,
            f"The resource principal named {wanted} was not found in the tenant. pcsim knows: "
            + ", ".join(sorted({a for c in catalog.RESOURCES.values() for a in c.values()})),
        )
    cloud, surface, aud = found
    return Scope(aud, cloud, surface, " ".join(rest), oidc)


class TokenService:
    """Issues and verifies tokens for the worlds of one store."""

    def __init__(self, keys: KeyRing, default_world: str = "default"):
        self.keys = keys
        # token -> (header, claims) once its signature checked out: a client sends the same token many times,
        # and the RS256 check and PyJWT's parsing are most of a request's authentication. The header's
        # algorithm, type and key, expiry, audience and issuer are still checked on every use.
        self._verified: dict[str, tuple[dict, dict]] = {}
        self.default_world = default_world

    # --- grants -------------------------------------------------------------------------------
    def client_credentials(
        self,
        session: Session,
        world: str,
        tenant: Tenant,
        client_id: str,
        client_secret: str,
        scope: Scope,
        now: datetime,
        *,
        origin: str,
    ) -> dict:
        app = queries.app_by_client_id(session, world, client_id)
        if app is None:
            raise OAuthError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{tenant.name}'.",
            )
        if not client_secret or not _secret_matches(client_secret, app.secret_hash):
            raise OAuthError(
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the "
                f"client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
                status=401,
            )
        if app.tenant_id != tenant.id:
            raise OAuthError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant.name}'. pcsim: app-only tokens are issued in the app's own tenant only.",
            )
        if not scope.text.endswith("/.default"):
            raise OAuthError(
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope.text} is not valid. Client credential flows must "
                "have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        self._check_cloud(tenant, scope)
        claims = self._base_claims(origin, world, tenant, scope, now) | {
            "oid": app.id,
            "sub": app.id,
            "azp": app.id,
            "appid": app.id,
            "idtyp": "app",
            "roles": list(app.roles),
            "app_displayname": app.display_name,
        }
        return self._response(claims, scope, now)

    def password(
        self,
        session: Session,
        world: str,
        tenant: Tenant | None,
        client_id: str,
        username: str,
        password: str,
        scope: Scope,
        now: datetime,
        *,
        origin: str,
        client_info: bool = False,
    ) -> dict:
        user = queries.user_by_upn(session, world, username or "")
        if user is None:
            raise OAuthError(
                "invalid_grant",
                50034,
                f"The user account {username} does not exist in the directory. To sign into this "
                "application, the account must be added to the directory.",
            )
        if not _secret_matches(password or "", user.password_hash):
            raise OAuthError(
                "invalid_grant", 50126, "Error validating credentials due to invalid username or password."
            )
        self._check_client(session, world, client_id)
        return self.user_token(
            session, world, tenant, user, client_id, scope, now, origin=origin, client_info=client_info
        )

    def refresh(
        self,
        session: Session,
        world: str,
        tenant: Tenant | None,
        client_id: str,
        refresh_token: str,
        scope: Scope | None,
        now: datetime,
        *,
        origin: str,
        client_info: bool = False,
    ) -> dict:
        claims = self._decode(refresh_token, now, audience=None, refresh=True)
        if claims.get("pcsim_world") != world:
            raise OAuthError(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid: the "
                "refresh token was issued in another pcsim world.",
            )
        if claims.get("azp") != client_id:
            raise OAuthError(
                "invalid_grant", 70000, "Provided grant is invalid: the refresh token was issued to another client."
            )
        user = queries.user(session, world, claims["sub"])
        if user is None:
            raise OAuthError("invalid_grant", 50034, "The user account no longer exists in the directory.")
        target = tenant if tenant is not None else queries.tenant(session, world, claims["tid"])
        scope = scope or parse_scope(claims["scp_resource"] + "/.default")
        return self.user_token(
            session, world, target, user, client_id, scope, now, origin=origin, client_info=client_info
        )

    def user_token(
        self,
        session: Session,
        world: str,
        tenant: Tenant | None,
        user: User,
        client_id: str,
        scope: Scope,
        now: datetime,
        *,
        origin: str,
        client_info: bool = False,
    ) -> dict:
        home = queries.tenant(session, world, user.tenant_id)
        target = tenant or home  # 'common' and 'organizations' mean the user's home tenant
        self._check_cloud(target, scope)
        roles: list[str] = list(user.directory_roles)
        extra: dict = {}
        if target.id != home.id:
            granted = self.gdap_roles(session, world, home, target, user, now)
            roles = sorted(granted.roles)
            extra = {"idp": f"https://sts.windows.net/{home.id}/", "home_tid": home.id}
        claims = (
            self._base_claims(origin, world, target, scope, now)
            | extra
            | {
                "oid": user.id,
                "sub": hashlib.sha256(f"{user.id}:{client_id}".encode()).hexdigest()[:43],
                "upn": user.upn,
                "preferred_username": user.upn,
                "unique_name": user.upn,
                "name": user.display_name,
                "given_name": user.given_name,
                "family_name": user.surname,
                "azp": client_id,
                "appid": client_id,
                "scp": "user_impersonation"
                if scope.text.endswith("/.default")
                else " ".join(s.rpartition("/")[2] for s in scope.text.split()),
                "wids": roles,
                "idtyp": "user",
            }
        )
        response = self._response(claims, scope, now)
        refresh_claims = {
            "iss": claims["iss"],
            "sub": user.id,
            "tid": target.id,
            "azp": client_id,
            "pcsim_world": world,
            "scp_resource": scope.resource.rstrip("/"),
            "iat": claims["iat"],
            "nbf": claims["nbf"],
            "exp": claims["iat"] + int(REFRESH_TOKEN_LIFETIME.total_seconds()),
            WORLD_TIME_CLAIM: claims[WORLD_TIME_CLAIM],
            "uti": uuid.uuid4().hex,
        }
        response["refresh_token"] = self.keys.sign(refresh_claims, typ="RT")
        if scope.oidc & {"openid", "profile"} or client_info:
            response["id_token"] = self.keys.sign(
                {
                    "iss": claims["iss"],
                    "aud": client_id,
                    "sub": claims["sub"],
                    "oid": user.id,
                    "tid": target.id,
                    "preferred_username": user.upn,
                    "upn": user.upn,
                    "name": user.display_name,
                    "iat": claims["iat"],
                    "nbf": claims["nbf"],
                    "exp": claims["exp"],
                    "ver": "2.0",
                }
            )
        if client_info:
            response["client_info"] = b64json({"uid": user.id, "utid": home.id})
        return response

    def gdap_roles(
        self, session: Session, world: str, home: Tenant, target: Tenant, user: User, now: datetime
    ) -> EffectiveRoles:
        """A user's roles in a foreign tenant: only a partner user, only through GDAP."""
        refusal = (
            f"User account '{user.upn}' from identity provider 'https://sts.windows.net/{home.id}/' does not "
            f"exist in tenant '{target.name}' and cannot access the application in that tenant. "
        )
        if home.kind != "partner" or target.kind != "customer":
            raise OAuthError(
                "invalid_grant",
                50020,
                refusal + "pcsim: only a partner user may act in another "
                "tenant, and only in a customer tenant, through GDAP.",
            )
        groups = queries.user_groups(session, world, user.id)
        facts = queries.gdap_facts(session, world, home.id, target.id)
        granted = effective_roles(facts, set(groups), now)
        reason = (
            f"user {user.upn} is in no security group of {home.name}"
            if not groups and facts
            else granted.denial_reason()
        )
        d = Decision("login.customerTenantToken")
        try:
            d.require(
                "GDAP",
                bool(granted.roles),
                f"{user.upn} holds no role in {target.name}: {reason}",
                f"{user.upn} holds {', '.join(granted.role_names)} in {target.name} through GDAP",
                groups=sorted(groups.values()),
                findings=granted.findings,
                grants=[
                    {
                        "relationship": g.relationship_name,
                        "accessAssignment": g.assignment_id,
                        "group": g.group_name,
                        "roles": sorted(ENTRA_ROLE_NAMES.get(r, r) for r in g.roles),
                    }
                    for g in granted.grants
                ],
            )
        except Denied:
            raise OAuthError("invalid_grant", 50020, refusal + f"pcsim (GDAP): {reason}.") from None
        return granted

    # --- verification ------------------------------------------------------------------------
    def verify(self, token: str, world: str, audience: str, now: datetime, *, origin: str, cloud: str) -> dict:
        """The claims of a valid access token for ``audience`` in ``world``, or TokenRejected. ``origin`` and
        ``cloud``: where the request came (scheme, host and port) and the cloud of the surface it came to."""
        try:
            claims = self._decode(token, now, audience=audience)
        except TokenExpired as exc:
            raise TokenRejected(exc.description, exc.expired_at, exc.at) from None
        except OAuthError as exc:
            raise TokenRejected(exc.description) from None
        if claims.get(WORLD_CLAIM) != world:
            raise TokenRejected(
                f"the token's issuer {claims.get('iss')!r} is pcsim world {claims.get(WORLD_CLAIM)!r}'s, not this "
                f"world's ({world!r})"
            )
        tenant_id = str(claims.get("tid", ""))
        if not same_issuer(claims.get("iss"), origin, world, tenant_id, cloud, self.default_world):
            raise TokenRejected(
                f"the token's issuer {claims.get('iss')!r} is not this world's at {origin} (pcsim takes the tokens "
                "it issued for this world at this host name, on any of its ports)"
            )
        return claims

    def _decode(self, token: str, now: datetime, *, audience: str | None, refresh: bool = False) -> dict:
        def bad(reason: str):
            if refresh:
                return OAuthError(
                    "invalid_grant", 9002313, f"Invalid request. Request is malformed or invalid: {reason}."
                )
            return OAuthError("invalid_token", 0, reason)

        header, claims = self._verified.get(token, (None, None))
        if header is None:
            try:
                header = jwt.get_unverified_header(token)
            except jwt.PyJWTError:
                raise bad("the token is not a JWT") from None
        if header.get("alg") != "RS256":
            raise bad(f"the token's algorithm {header.get('alg')!r} is not RS256")
        if (header.get("typ") == "RT") != refresh:
            raise bad("a refresh token is not an access token" if not refresh else "not a refresh token")
        key = self.keys.public_key(header.get("kid"))
        if key is None:
            raise bad("the token is not signed by a key of this server")
        if claims is None:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["RS256"],
                    options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
                )
            except jwt.InvalidSignatureError:
                raise bad("the token's signature is invalid") from None
            except jwt.PyJWTError as exc:
                raise bad(f"the token is invalid ({exc})") from None
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                self._verified.clear()
            self._verified[token] = header, claims
        claims = dict(claims)
        self._check_times(claims, now, refresh, bad)
        if audience is not None and str(claims.get("aud", "")).rstrip("/") != audience.rstrip("/"):
            raise bad(f"the token's audience {claims.get('aud')!r} is not this surface's ({audience!r})")
        return claims

    @staticmethod
    def _check_times(claims: dict, now: datetime, refresh: bool, bad) -> None:
        """``exp`` and ``nbf`` by the wall clock (5 minutes of ``nbf`` skew pass, as Entra ID's validators allow),
        then the token's lifetime by its world's clock (``now``): the first of the two to run out expires it."""
        wall = utcnow()
        if not isinstance(claims.get("exp"), int | float):
            raise bad("the token has no valid exp claim")
        issued, exp = claims.get("iat", claims["exp"]), claims["exp"]
        issued_world = claims.get(WORLD_TIME_CLAIM)
        at = expired_at = None
        if wall.timestamp() >= exp:
            at, expired_at, clock = wall, datetime.fromtimestamp(exp, UTC), "the wall clock"
        elif isinstance(issued_world, int | float) and now.timestamp() >= issued_world + (exp - issued):
            world_exp = datetime.fromtimestamp(issued_world + (exp - issued), UTC)
            at, expired_at, clock = now, world_exp, "this world's clock"
        if at is not None and expired_at is not None:
            if refresh:
                raise OAuthError("invalid_grant", 700082, "The refresh token has expired due to inactivity.")
            raise TokenExpired(
                f"the token is expired (by {clock}: it expired at {expired_at:%Y-%m-%dT%H:%M:%SZ}, "
                f"it is {at:%Y-%m-%dT%H:%M:%SZ})",
                expired_at,
                at,
            )
        if claims.get("nbf", 0) > wall.timestamp() + 300:
            raise bad("the token is not yet valid (nbf is in the future by the wall clock)")
        if isinstance(issued_world, int | float) and issued_world > now.timestamp() + 300:
            raise bad("the token is not yet valid (it was issued later by this world's clock)")

    # --- helpers ---------------------------------------------------------------------------------
    def _check_client(self, session: Session, world: str, client_id: str) -> None:
        if client_id == catalog.AZURE_CLI_CLIENT_ID or queries.app_by_client_id(session, world, client_id or ""):
            return
        raise OAuthError(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory. pcsim accepts "
            f"the Azure CLI's public client id ({catalog.AZURE_CLI_CLIENT_ID}) or an app registration "
            "of the world.",
        )

    @staticmethod
    def _check_cloud(tenant: Tenant, scope: Scope) -> None:
        if tenant.cloud != scope.cloud:
            raise OAuthError(
                "invalid_resource",
                500011,
                f"The resource principal named {scope.resource} was not found in the tenant named "
                f"{tenant.name}: the tenant is in the {tenant.cloud} cloud, the resource in the "
                f"{scope.cloud} cloud (R14).",
            )

    def _base_claims(self, origin: str, world: str, tenant: Tenant, scope: Scope, now: datetime) -> dict:
        """Wall-clock ``iat``/``nbf``/``exp`` (as Entra ID's), and the world's clock at issue (WORLD_TIME_CLAIM)."""
        iat = int(utcnow().timestamp())
        return {
            "aud": scope.resource,
            "iss": issuer(origin, tenant.id, tenant.cloud),
            WORLD_CLAIM: world,
            "iat": iat,
            "nbf": iat,
            "exp": iat + int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            WORLD_TIME_CLAIM: int(now.timestamp()),
            "tid": tenant.id,
            "ver": "2.0",
            "uti": uuid.uuid4().hex,
        }

    def _response(self, claims: dict, scope: Scope, now: datetime) -> dict:
        lifetime = claims["exp"] - claims["iat"]
        return {
            "token_type": "Bearer",
            "scope": scope.text,
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": self.keys.sign(claims),
        }
