"""The client: one ``requests.Session`` with retries, sign-in, tokens per resource and tenant."""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import __version__
from .azure import Azure
from .errors import AuthenticationError, authentication_error
from .gdap import Gdap
from .health import Health
from .m365admin import M365Admin
from .partnercenter import PartnerCenter

AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

# Per cloud (R14): the path prefix of its surfaces on a pcsim server and its token audiences.
CLOUDS = {
    "public": {
        "prefix": "",
        "partner_center": "https://api.partnercenter.microsoft.com",
        "graph": "https://graph.microsoft.com",
        "m365admin": "https://admin.microsoft.com",
        "arm": "https://management.azure.com/",
    },
    "usgov": {
        "prefix": "/usgov",
        "partner_center": "https://api.partnercenter.microsoft.us",
        "graph": "https://graph.microsoft.us",
        "m365admin": "https://admin.microsoft.us",
        "arm": "https://management.usgovcloudapi.net/",
    },
}

# An access token is renewed this long before it expires.
EXPIRY_MARGIN = 300


@dataclass
class _Token:
    access_token: str
    expires_at: float  # time.monotonic()
    refresh_token: str | None = None

    @classmethod
    def from_response(cls, data: dict) -> _Token:
        lifetime = int(data.get("expires_in") or 3600)
        margin = min(EXPIRY_MARGIN, lifetime // 2)
        return cls(data["access_token"], time.monotonic() + lifetime - margin, data.get("refresh_token"))

    @property
    def fresh(self) -> bool:
        return time.monotonic() < self.expires_at


class _UserCredential:
    """A user's name and password (the password grant), tokens kept per (tenant, audience)."""

    refreshable = True

    def __init__(self, username: str, password: str, tenant: str | None, client_id: str):
        self.username, self.password, self.client_id = username, password, client_id
        self.tenant = tenant or username.rpartition("@")[2]
        self.tokens: dict[tuple[str, str], _Token] = {}

    def grant(self, scope: str) -> dict:
        return {
            "grant_type": "password",
            "client_id": self.client_id,
            "username": self.username,
            "password": self.password,
            "scope": f"{scope} offline_access",
        }

    def refresh(self, scope: str, refresh_token: str) -> dict:
        return {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": refresh_token,
            "scope": f"{scope} offline_access",
        }


class _AppCredential:
    """An app registration's id and secret (the client credentials grant)."""

    refreshable = False

    def __init__(self, tenant: str, client_id: str, client_secret: str):
        self.tenant, self.client_id, self.client_secret = tenant, client_id, client_secret
        self.tokens: dict[tuple[str, str], _Token] = {}

    def grant(self, scope: str) -> dict:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": scope,
        }


class Client:
    """A pcsim client.

    ``base_url`` is the server (``http://127.0.0.1:8080``); ``world`` a world id (paths go under
    ``/worlds/<world>``); ``cloud`` is ``"public"`` or ``"usgov"`` (R14: each cloud has its own paths and token
    audiences). Failed requests answered 429 or 503 are retried up to ``retries`` times, after the
    ``Retry-After`` the server asks for.

    Sign in with :meth:`sign_in_user` or :meth:`sign_in_app`, then use :attr:`partner_center`, :attr:`gdap`,
    :attr:`health` (Graph service health), :attr:`m365` (Microsoft 365 admin support) and :attr:`azure` (ARM
    ``Microsoft.Support``). :meth:`as_tenant` gives a view of the client acting in another tenant (GDAP).
    """

    def __init__(
        self,
        base_url: str,
        *,
        world: str | None = None,
        timeout: float = 30,
        retries: int = 3,
        verify: bool | str = True,
        cloud: str = "public",
    ):
        if cloud not in CLOUDS:
            raise ValueError(f"cloud must be one of {', '.join(CLOUDS)}")
        self.base_url = base_url.rstrip("/")
        self.world = world
        self.cloud = cloud
        self.timeout = timeout
        self.correlation_id = str(uuid.uuid4())
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["User-Agent"] = f"pcsim-client-sdk/{__version__} {requests.utils.default_user_agent()}"
        retry = Retry(
            total=retries,
            connect=retries,
            status=retries,
            read=0,  # a request that reached the server may have changed something: not replayed
            status_forcelist=(429, 503),
            allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}),
            respect_retry_after_header=True,
            backoff_factor=0.2,
            backoff_max=5,
            raise_on_status=False,  # the last 429/503 comes back and becomes a typed error
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._credential: _UserCredential | _AppCredential | None = None
        self._tenant: str | None = None
        self._attach()

    def _attach(self) -> None:
        """The per-surface APIs, bound to this client (or view)."""
        self.partner_center = PartnerCenter(self)
        self.gdap = Gdap(self)
        self.health = Health(self)
        self.m365 = M365Admin(self)
        self.azure = Azure(self)

    def __repr__(self) -> str:
        who = getattr(self._credential, "username", None) or getattr(self._credential, "client_id", None)
        return f"<pcsim Client {self.url('')!r} as {who or 'nobody'} in {self.tenant or '-'}>"

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- sign-in -------------------------------------------------------------------------------
    def sign_in_user(
        self, username: str, password: str, tenant: str | None = None, client_id: str = AZURE_CLI_CLIENT_ID
    ) -> Client:
        """Sign in as a user (the password grant), in ``tenant`` (id or domain; default: the user's domain).

        Checks the credentials at once with one token request (for Microsoft Graph), so a wrong password
        raises :class:`AuthenticationError` here; other tokens are fetched when first needed. Returns the
        client.
        """
        self._credential = _UserCredential(username, password, tenant, client_id)
        self._tenant = None
        self.get_token("graph")
        return self

    def sign_in_app(self, tenant: str, client_id: str, client_secret: str) -> Client:
        """Sign in as an app registration (the client credentials grant) in its own tenant. Returns the
        client."""
        self._credential = _AppCredential(tenant, client_id, client_secret)
        self._tenant = None
        self.get_token("graph")
        return self

    @property
    def tenant(self) -> str | None:
        """The acting tenant: the one tokens are requested in."""
        if self._tenant:
            return self._tenant
        return self._credential.tenant if self._credential else None

    def as_tenant(self, tenant: str) -> Client:
        """A view of this client acting in ``tenant`` (id or domain): same session, same sign-in, tokens
        requested in that tenant. For a partner user that works only through an active GDAP relationship
        (otherwise the token request raises :class:`AuthenticationError`, AADSTS50020)."""
        view = copy.copy(self)
        view._tenant = tenant
        view._attach()
        return view

    # --- tokens --------------------------------------------------------------------------------
    def audience(self, resource: str) -> str:
        """The token audience for ``"partner_center"``, ``"graph"``, ``"m365admin"``, ``"arm"`` or an audience
        URL."""
        return CLOUDS[self.cloud].get(resource, resource).rstrip("/")

    def get_token(self, resource: str = "partner_center") -> str:
        """An access token for ``resource`` in the acting tenant: cached, refreshed when it expires (users:
        the refresh_token grant), or fetched."""
        credential = self._credential
        if credential is None:
            raise AuthenticationError(
                "not signed in: call sign_in_user() or sign_in_app() first", error="not_signed_in"
            )
        audience = self.audience(resource)
        key = (self.tenant.lower(), audience)
        token = credential.tokens.get(key)
        if token and token.fresh:
            return token.access_token
        scope = f"{audience}/.default"
        data = None
        if token and token.refresh_token and credential.refreshable:
            try:
                data = self._token_request(credential.refresh(scope, token.refresh_token))
            except AuthenticationError:
                data = None  # the refresh token expired or was revoked: sign in again
        if data is None:
            data = self._token_request(credential.grant(scope))
        credential.tokens[key] = _Token.from_response(data)
        return credential.tokens[key].access_token

    def expire_token(self, resource: str = "partner_center") -> None:
        """Treat the cached token for ``resource`` as expired: the next call renews it."""
        if self._credential is not None:
            token = self._credential.tokens.get((self.tenant.lower(), self.audience(resource)))
            if token:
                token.expires_at = 0

    def _token_request(self, form: dict) -> dict:
        url = self.url(f"/login/{self.tenant}/oauth2/v2.0/token")
        response = self.session.post(
            url,
            data=form,
            timeout=self.timeout,
            headers={"Accept": "application/json", "client-request-id": str(uuid.uuid4())},
        )
        if response.status_code != 200:
            raise authentication_error(response)
        return response.json()

    # --- requests ------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """The full URL of a path on this client's world and cloud (``/partnercenter/v1/customers``)."""
        world = f"/worlds/{self.world}" if self.world else ""
        return f"{self.base_url}{world}{CLOUDS[self.cloud]['prefix']}{path}"

    def request(self, method: str, url: str, *, resource: str, error, headers: dict | None = None, **kwargs):
        """Send an authenticated request; returns the parsed JSON (None for an empty body) or raises
        ``error(response)``. A 401 renews the token once and sends the request again."""
        for attempt in (1, 2):
            sent = {
                "Accept": "application/json",
                **(headers or {}),
                "Authorization": f"Bearer {self.get_token(resource)}",
            }
            response = self.session.request(method, url, headers=sent, timeout=self.timeout, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self.expire_token(resource)  # e.g. the world's clock moved past the token's expiry
                continue
            break
        if response.status_code >= 400:
            raise error(response)
        if not response.content:
            return None
        return response.json()
