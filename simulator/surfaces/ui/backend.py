"""How the UI reaches the surfaces: the very HTTP requests a partner tool makes, served in-process.

The UI holds no rule of its own: it signs in as the chosen persona at the world's token endpoint and
calls Partner Center, Graph, Azure and Microsoft 365 admin like any client. A denial comes back with the
decision trace of the request that was refused, for the "Why?" panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ...domain.catalog import AZURE_CLI_CLIENT_ID, CLOUD_PREFIX, RESOURCES
from ...worlds.builder import DEFAULT_PASSWORD
from .. import exposure

SURFACE_RESOURCE = {"partnercenter": "partnercenter", "graph": "graph", "azure": "arm", "m365admin": "m365admin"}


@dataclass
class Answer:
    """A surface's answer, with the decision trace when it is a denial."""

    status: int
    body: dict | list | str | None
    request_id: str
    trace: dict | None = None
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def rule(self) -> str | None:
        return (self.trace or {}).get("rule")


class Backend:
    """Calls to one world's surfaces, as one user acting in one tenant."""

    def __init__(
        self, world_id: str, default_world: str, upn: str, cloud: str = "public", password: str = DEFAULT_PASSWORD
    ):
        self.world_id, self.upn, self.cloud, self.password = world_id, upn, cloud, password
        self.prefix = "" if world_id == default_world else f"/worlds/{world_id}"
        self.client = current_app.test_client()
        self._tokens: dict[tuple[str, str], Answer] = {}  # reused within a page, as any client caches them

    def _open(self, path: str, **kwargs):
        # Served inside the page's own request: each call gets an application context (and so a ``g``: session,
        # request id, caller) of its own, as it would on the network.
        if path.startswith("/sim/"):  # the control plane: with the server's secret, if it has one
            kwargs["headers"] = {**kwargs.get("headers", {}), **exposure.control_headers()}
        with current_app.app_context():
            return self.client.open(path, **kwargs)

    def _path(self, path: str) -> str:
        return f"{self.prefix}{CLOUD_PREFIX[self.cloud]}{path}"

    def token(self, surface: str, tenant: str | None = None) -> Answer:
        """Sign in (password grant) for ``surface`` in ``tenant`` (default: the user's own)."""
        tenant = tenant or self.upn.rpartition("@")[2]
        key = (surface, tenant.lower())
        if key in self._tokens:
            return self._tokens[key]
        scope = RESOURCES[self.cloud][SURFACE_RESOURCE[surface]].rstrip("/") + "/.default"
        answer = self._answer(
            self._open(
                self._path(f"/login/{tenant}/oauth2/v2.0/token"),
                method="POST",
                data={
                    "grant_type": "password",
                    "client_id": AZURE_CLI_CLIENT_ID,
                    "username": self.upn,
                    "password": self.password,
                    "scope": scope,
                },
            )
        )
        if answer.ok:  # a refusal is not kept: the next try asks again
            self._tokens[key] = answer
        return answer

    def call(self, method: str, surface_path: str, tenant: str | None = None, json=None) -> Answer:
        """``surface_path`` starts with the surface (``/partnercenter/v1/customers``)."""
        surface = surface_path.split("/", 2)[1]
        token = self.token(surface, tenant)
        if not token.ok:
            return token
        response = self._open(
            self._path(surface_path),
            method=method,
            json=json,
            headers={"Authorization": f"Bearer {token.body['access_token']}"},
        )
        return self._answer(response)

    def sim(self, method: str, path: str, json=None) -> Answer:
        """The control plane for this world (``path`` relative to ``/sim/worlds/<id>``)."""
        return self.control(method, f"/sim/worlds/{self.world_id}{path}", json)

    def control(self, method: str, path: str, json=None) -> Answer:
        """The control plane, any path (``/sim/worlds`` to make a world)."""
        return self._answer(self._open(path, method=method, json=json), trace=False)

    def _answer(self, response, trace: bool = True) -> Answer:
        request_id = response.headers.get("x-pcsim-request-id", "")
        body = response.get_json(silent=True)
        if body is None:
            body = response.get_data(as_text=True) or None
        answer = Answer(response.status_code, body, request_id, headers=dict(response.headers))
        if trace and not answer.ok and request_id:
            explained = self._open(f"/sim/worlds/{self.world_id}/explain/{request_id}")
            if explained.status_code == 200:
                answer.trace = explained.get_json()
        return answer
