"""pcsim's control plane (``/sim``) from Python: worlds, their clock, snapshots, faults, journal, explain and
world edits.

    from client_sdk.sim import Sim

    sim = Sim("http://127.0.0.1:8080")
    world = sim.create_world(scenario="default", frozen=True)    # an isolated copy of the scenario
    client = world.client().sign_in_user("admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!")
    world.add_fault(surface="partnercenter", path="/customers*", status=429, retry_after=1, count=1)
    world.advance("P30D")                                         # or a timedelta
    for entry in world.journal(status=403):
        print(world.explain(entry["requestId"], text=True))
    world.delete()

Plain ``requests``, no token (the control plane is a local test tool); a server bound beyond loopback asks for
its control secret, which ``Sim`` sends (``secret=``, default ``PCSIM_CONTROL_SECRET``). An error answer raises
:class:`SimError` with ``status``, ``code``, ``message`` and ``details``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import PcsimError

SECRET_HEADER = "X-Pcsim-Secret"  # simulator/surfaces/exposure.py
SECRET_ENVIRONMENT = "PCSIM_CONTROL_SECRET"

__all__ = ["Sim", "World", "Clock", "SimError", "duration_text", "datetime_text"]


class SimError(PcsimError):
    """The control plane refused a request: ``status`` (400, 404...), ``code`` (``BadRequest``, ``NotFound``,
    ``InvalidFixture``...), ``message`` and ``details`` (a list: which field was wrong, or every error of an
    invalid fixture as ``{"file", "path", "reason"}``)."""

    def __init__(self, message: str, *, details: list | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.details = details or []

    def __str__(self) -> str:
        text = super().__str__()
        if self.details:
            text += "".join(f"\n  {_detail_text(d)}" for d in self.details)
        return text


def _detail_text(detail) -> str:
    if not isinstance(detail, dict):
        return str(detail)
    where = ": ".join(str(detail[k]) for k in ("file", "path") if detail.get(k))
    return f"{where}: {detail.get('reason', '')}" if where else str(detail.get("reason", detail))


def _sim_error(response: requests.Response) -> SimError:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return SimError(
            error.get("message") or response.reason or "control plane request failed",
            status=response.status_code,
            code=error.get("code"),
            details=error.get("details"),
            body=body,
            response=response,
        )
    return SimError(
        response.text or response.reason or "control plane request failed",
        status=response.status_code,
        body=body,
        response=response,
    )


def duration_text(value: str | timedelta) -> str:
    """An ISO 8601 duration: text is passed through, a ``timedelta`` becomes ``P<d>DT<h>H<m>M<s>S``."""
    if isinstance(value, str):
        return value
    if not isinstance(value, timedelta):
        raise TypeError("a duration is ISO 8601 text ('P30D', 'PT2H') or a datetime.timedelta")
    if value < timedelta(0):
        raise ValueError("the clock only moves forward with advance(); use set_clock() to go back")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    seconds_text = f"{seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".") if value.microseconds else str(seconds)
    return f"P{value.days}DT{hours}H{minutes}M{seconds_text}S"


def datetime_text(value: str | datetime | date) -> str:
    """An ISO 8601 date-time in UTC with a ``Z``; a naive ``datetime`` is taken as UTC; text passes through."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    raise TypeError("a date-time is ISO 8601 text or a datetime.datetime")


def _parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Clock(NamedTuple):
    """A world's clock: ``now`` (an aware UTC ``datetime``) and whether it is ``frozen``."""

    now: datetime
    frozen: bool

    @classmethod
    def from_json(cls, data: dict) -> Clock:
        return cls(_parse_datetime(data["now"]), bool(data.get("frozen")))


# snake_case spellings of the fault rule's fields
_FAULT_FIELDS = {"retry_after": "retryAfter", "latency_ms": "latencyMs"}


class Sim:
    """The control plane of the pcsim server at ``base_url`` (``http://127.0.0.1:8080``)."""

    def __init__(self, base_url: str, *, timeout: float = 30, verify: bool | str = True, secret: str | None = None):
        """``secret``: the server's control secret (default: ``PCSIM_CONTROL_SECRET``), sent as the
        ``X-Pcsim-Secret`` header; a server bound beyond loopback asks for it (on loopback none is needed)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.verify = verify
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["Accept"] = "application/json"
        # A kept-alive connection the server closed while idle (a test suite's session-long Sim waits between
        # tests) fails the next request on it before it reaches the server: an idempotent request (GET, PUT,
        # DELETE) is sent again once on a new connection. A POST or PATCH never is.
        retry = Retry(total=2, connect=2, read=1, status=0, other=0, redirect=0, raise_on_status=False)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        secret = secret if secret is not None else os.environ.get(SECRET_ENVIRONMENT)
        if secret:
            self.session.headers[SECRET_HEADER] = secret

    def __repr__(self) -> str:
        return f"<pcsim Sim {self.base_url!r}>"

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict | None = None, headers: dict | None = None
    ) -> requests.Response:
        """Send a request to ``/sim<path>``; returns the response, or raises :class:`SimError` on an error."""
        response = self.session.request(
            method,
            f"{self.base_url}/sim{path}",
            json=json,
            timeout=self.timeout,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers=headers,
        )
        if response.status_code >= 400:
            raise _sim_error(response)
        return response

    def _json(self, method: str, path: str, **kwargs):
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    # --- worlds ------------------------------------------------------------------------------------------
    def create_world(
        self,
        scenario: str | None = None,
        fixture: dict | None = None,
        snapshot: str | None = None,
        seed: int | None = None,
        frozen: bool | None = None,
        ttl: int | None = None,
        id: str | None = None,
        azure_long_running_creates: bool | None = None,
    ) -> World:
        """A new, isolated world from a scenario (a fixture name in the server's ``fixtures/`` or a path the
        server can read; default: the server's scenario), an inline ``fixture`` (a mapping), or a
        ``snapshot`` (``"<world>/<name>"``). ``seed``: Faker seed of the generated details; ``frozen``:
        freeze the clock (None: as the scenario says); ``ttl``: idle seconds before the server deletes it;
        ``id``: the world's id (default: a new uuid); ``azure_long_running_creates``: Azure's ticket and
        communication creates answer 202 and are polled (see :meth:`World.set_azure_long_running_creates`)."""
        body = {
            "id": id,
            "scenario": scenario,
            "fixture": fixture,
            "snapshot": snapshot,
            "seed": seed,
            "frozen": frozen,
            "ttl": ttl,
            "azureLongRunningCreates": azure_long_running_creates,
        }
        return World(self, self._json("POST", "/worlds", json={k: v for k, v in body.items() if v is not None}))

    def worlds(self) -> list[World]:
        """Every live world of the server."""
        return [World(self, data) for data in self._json("GET", "/worlds")["value"]]

    def world(self, id: str) -> World:
        """The world ``id`` (:class:`SimError` 404 if there is none)."""
        return World(self, self._json("GET", f"/worlds/{_seg(id)}"))


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class World:
    """One world of a pcsim server: its surfaces are at :attr:`url`, its own root, at the default world's paths
    (``<url>/login/<tenant>``, ``<url>/<tenant>/oauth2/v2.0/token``, ``<url>/partnercenter/v1``...), which is what
    MSAL (``authority=f"{world.url}/{tenant}"``), the Azure CLI and ``Client(world.url)`` need; and also under the
    server's ``/worlds/<id>/...`` (:attr:`base_urls`)."""

    def __init__(self, sim: Sim, data: dict):
        self.sim = sim
        self._update(data)

    def _update(self, data: dict) -> None:
        self.data = data
        self.id: str = data["id"]
        self.scenario: str | None = data.get("scenario")
        self.base_urls: dict[str, str] = data.get("baseUrls") or {}
        # The world's own root: a port of its own on the server's host (the default world: the server's root),
        # open until the world is deleted or expires.
        self.url: str = data.get("url") or ""
        self.ttl: int | None = data.get("ttl")
        self.azure_long_running_creates: bool = bool(data.get("azureLongRunningCreates"))

    def __repr__(self) -> str:
        return f"<pcsim World {self.id!r} ({self.scenario}) on {self.sim.base_url}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, World) and (other.sim.base_url, other.id) == (self.sim.base_url, self.id)

    def __hash__(self) -> int:
        return hash((self.sim.base_url, self.id))

    @property
    def path(self) -> str:
        return f"/worlds/{_seg(self.id)}"

    def _json(self, method: str, path: str = "", **kwargs):
        return self.sim._json(method, self.path + path, **kwargs)

    def refresh(self) -> World:
        """Read the world again (its clock, TTL...)."""
        self._update(self._json("GET"))
        return self

    def set_azure_long_running_creates(self, on: bool = True) -> World:
        """Azure support ticket and communication creates answer the long-running way (202 with ``Location`` and
        ``Azure-AsyncOperation``; the operation is InProgress at its first poll, Succeeded from the second), or
        (``on=False``, the default of a world) 200 with the resource at once."""
        self._update(self._json("PATCH", json={"azureLongRunningCreates": on}))
        return self

    def add_chat_transcript(self, ticket_id: str, messages: list[dict]) -> dict:
        """A chat with Microsoft Support on the ticket ``ticket_id`` (its ``supportTicketId``): ``messages`` of
        ``{"sender", "body", "communicationDirection": "inbound"|"outbound"}``. Azure lists it under the ticket's
        ``chatTranscripts``."""
        return self._json("POST", f"/tickets/{_seg(ticket_id)}/chatTranscripts", json={"messages": messages})

    def delete(self) -> None:
        """Delete the world, its journal, faults and snapshots."""
        self._json("DELETE")

    def reset(self) -> World:
        """Back to how the world was created: data and clock (its journal and fault rules stay)."""
        self._update(self._json("POST", "/reset"))
        return self

    def client(self, **kwargs):
        """A :class:`client_sdk.Client` bound to this world (not signed in); keyword arguments go to the Client
        (``timeout``, ``retries``, ``cloud``...; ``verify`` defaults to the Sim's)."""
        from .client import Client

        kwargs.setdefault("verify", self.sim.verify)
        return Client(self.sim.base_url, world=self.id, **kwargs)

    # --- clock -------------------------------------------------------------------------------------------
    def clock(self) -> Clock:
        """The world's clock now: ``Clock(now, frozen)``."""
        return Clock.from_json(self._json("GET", "/clock"))

    @property
    def now(self) -> datetime:
        """The world's current time."""
        return self.clock().now

    def advance(self, duration: str | timedelta) -> Clock:
        """Move the clock forward by an ISO 8601 duration (``"P30D"``, ``"PT2H"``) or a ``timedelta``."""
        return Clock.from_json(self._json("POST", "/clock", json={"advance": duration_text(duration)}))

    def set_clock(self, when: str | datetime | date, frozen: bool | None = None) -> Clock:
        """Set the clock to ``when`` (a ``datetime``, naive = UTC, or ISO 8601 text); optionally (un)freeze it."""
        body: dict = {"set": datetime_text(when)}
        if frozen is not None:
            body["frozen"] = frozen
        return Clock.from_json(self._json("POST", "/clock", json=body))

    def freeze(self, frozen: bool = True) -> Clock:
        """Stop the clock (``freeze(False)``: let it run with wall time again)."""
        return Clock.from_json(self._json("POST", "/clock", json={"frozen": frozen}))

    def unfreeze(self) -> Clock:
        return self.freeze(False)

    # --- snapshots ---------------------------------------------------------------------------------------
    def snapshot(self, name: str) -> dict:
        """Save the world's data and clock under ``name`` (another world can start from it:
        ``sim.create_world(snapshot=f"{world.id}/{name}")``)."""
        return self._json("POST", "/snapshots", json={"name": name})

    def snapshots(self) -> list[dict]:
        return self._json("GET", "/snapshots")["value"]

    def restore(self, name: str) -> World:
        """Put the world back as it was when snapshot ``name`` was taken."""
        self._update(self._json("POST", f"/snapshots/{_seg(name)}/restore"))
        return self

    # --- faults ------------------------------------------------------------------------------------------
    def add_fault(self, **rule) -> dict:
        """Inject a fault; returns the rule (with its ``id``). Fields: ``surface`` (``login``,
        ``partnercenter``, ``graph``, ``azure``, ``m365admin``; default all), ``method``, ``path`` (a glob
        inside the surface, ``/customers*``), ``tenant`` (a tenant id), one effect: ``status`` (429, 500,
        503) with ``retry_after`` (seconds), ``latency_ms`` or ``drop=True``; ``count`` (fire at most this
        many times), ``probability`` and ``seed``. camelCase names (``retryAfter``) work too."""
        body = {_FAULT_FIELDS.get(k, k): v for k, v in rule.items() if v is not None}
        return self._json("POST", "/faults", json=body)

    def faults(self) -> list[dict]:
        """The fault rules, each with how often it was ``seen`` and ``fired`` and its remaining ``count``."""
        return self._json("GET", "/faults")["value"]

    def remove_fault(self, fault_id: str) -> None:
        self._json("DELETE", f"/faults/{_seg(fault_id)}")

    def clear_faults(self) -> None:
        self._json("DELETE", "/faults")

    # --- journal and explain -----------------------------------------------------------------------------
    def journal(
        self, status: int | None = None, rule: str | None = None, surface: str | None = None, top: int | None = None
    ) -> list[dict]:
        """The world's requests, newest first: ``requestId``, ``at``, ``surface``, ``method``, ``path``,
        ``status``, ``actor``, ``tenantId``, ``rule`` (the rule that denied), ``fault``, ``outcome``
        (``allowed``, ``denied``, ``fault``, ``error``). Filters: ``status``, ``rule`` (``R3``), ``surface``,
        ``top`` (default 100, at most 1000)."""
        params = {"status": status, "rule": rule, "surface": surface, "top": top}
        return self._json("GET", "/journal", params=params)["value"]

    def explain(self, request_id, text: bool = False):
        """The decision trace of one request: every rule checked, in order, with its facts (a dict), or with
        ``text=True`` a page for a person to read. ``request_id`` is a request id (``x-pcsim-request-id``,
        a journal entry's ``requestId``), a journal entry, a ``requests.Response``, or an SDK error
        (:class:`client_sdk.PcsimError`)."""
        request_id = _request_id(request_id)
        if text:
            return self.sim.request("GET", f"{self.path}/explain/{_seg(request_id)}", params={"format": "text"}).text
        return self._json("GET", f"/explain/{_seg(request_id)}")

    # --- world edits -------------------------------------------------------------------------------------
    def set_relationship(
        self,
        relationship_id: str,
        status: str | None = None,
        end: str | datetime | None = None,
        auto_extend: str | timedelta | None = None,
    ) -> dict:
        """Change a GDAP relationship's ``status``, ``end`` (endDateTime) or ``auto_extend`` duration."""
        body: dict = {}
        if status is not None:
            body["status"] = status
        if end is not None:
            body["endDateTime"] = datetime_text(end)
        if auto_extend is not None:
            body["autoExtendDuration"] = duration_text(auto_extend)
        return self._json("PATCH", f"/gdapRelationships/{_seg(relationship_id)}", json=body)

    def expire_relationship(self, relationship_id: str, at: str | datetime | None = None) -> dict:
        """Make a GDAP relationship end ``at`` (default: the world's now), without auto-extension: from then
        on it is expired."""
        return self.set_relationship(relationship_id, end=at if at is not None else self.now, auto_extend="PT0S")

    def set_access_assignment(
        self, assignment_id: str, roles: list[str] | None = None, status: str | None = None
    ) -> dict:
        """Change a GDAP access assignment's ``roles`` (names, within its relationship's) or ``status``."""
        body = {k: v for k, v in {"roles": roles, "status": status}.items() if v is not None}
        return self._json("PATCH", f"/accessAssignments/{_seg(assignment_id)}", json=body)

    def add_member(self, group_id: str, user_id: str) -> None:
        """Put a user in a group (both of the same tenant, by id)."""
        self._json("PUT", f"/groups/{_seg(group_id)}/members/{_seg(user_id)}")

    def remove_member(self, group_id: str, user_id: str) -> None:
        """Take a user out of a group (by id)."""
        self._json("DELETE", f"/groups/{_seg(group_id)}/members/{_seg(user_id)}")

    def set_subscription(self, subscription_id: str, trial: bool | None = None, status: str | None = None) -> dict:
        """Switch a subscription between ``trial`` and paid, or change its ``status``."""
        body = {k: v for k, v in {"trial": trial, "status": status}.items() if v is not None}
        return self._json("PATCH", f"/subscriptions/{_seg(subscription_id)}", json=body)

    def add_rbac(self, subscription_id: str, principal: str, role: str) -> dict:
        """Give a group or user (by id) an Azure RBAC ``role`` on a subscription; returns the assignment
        (its ``id`` for :meth:`remove_rbac`)."""
        return self._json(
            "POST", f"/subscriptions/{_seg(subscription_id)}/rbac", json={"principal": principal, "role": role}
        )

    def remove_rbac(self, assignment_id: str) -> None:
        self._json("DELETE", f"/rbacAssignments/{_seg(assignment_id)}")

    def set_user(self, user_id: str, roles: list[str] | None = None, password: str | None = None) -> dict:
        """Change a user's roles (Partner Center roles for a partner's user, Entra roles by name for a
        customer's) or password."""
        body = {k: v for k, v in {"roles": roles, "password": password}.items() if v is not None}
        return self._json("PATCH", f"/users/{_seg(user_id)}", json=body)

    def set_user_roles(self, user_id: str, roles: list[str]) -> dict:
        return self.set_user(user_id, roles=list(roles))

    def set_service_health(self, tenant_id: str, service: str, status: str) -> dict:
        """Set a service's health status in a tenant (``serviceDegradation``, ``serviceOperational``...)."""
        return self._json("PATCH", f"/serviceHealth/{_seg(tenant_id)}/{_seg(service)}", json={"status": status})


def _request_id(request) -> str:
    """The pcsim request id of an id, a journal entry, a response or an SDK error."""
    if isinstance(request, str):
        return request
    if isinstance(request, dict) and request.get("requestId"):
        return request["requestId"]
    response = request if isinstance(request, requests.Response) else getattr(request, "response", None)
    if response is not None and response.headers.get("x-pcsim-request-id"):
        return response.headers["x-pcsim-request-id"]
    explain_url = getattr(request, "explain", None)
    if isinstance(explain_url, str) and "/explain/" in explain_url:
        return explain_url.rstrip("/").rpartition("/")[2]
    raise TypeError(f"no pcsim request id in {request!r}")
