"""Fuzzing every surface's OpenAPI document with schemathesis (issue 6, Hardening).

Each operation of /docs/<surface>/openapi.json gets a small, seeded batch of generated requests (explicit
examples, schemathesis' coverage phase and a derandomized Hypothesis fuzzing phase), sent to the WSGI app
with a bearer token for that surface. Every response must:

- not be a 5xx (``not_a_server_error``),
- match the schema the document declares for its status (``response_schema_conformance``),
- have a status the document declares (``status_code_conformance``).

The fuzzer runs in an app of its own (its own in-memory database), so it can create, edit and delete what it
likes without touching the suite's shared app; the control plane's world-scoped operations are pointed at a
world of the fuzzer's own (``fuzz``, re-created whenever a fuzzed DELETE removed it), never at ``default``.

To keep path parameters from being random strings only (all 404s), a share of the generated cases swap in
ids that exist in the default world (Contoso, Woodgrove's Azure subscription, Contoso's GDAP relationship with
Northwind, Exchange's health and incident EX1001, the fuzzer's world, Contoso's sign-in endpoint, Northwind's
admin); likewise a share of the token requests sign in for real (each grant). No operation is excluded; the coverage
phase tries one unexpected method (TRACE) per path rather than every one, to stay within about a minute.
"""

from __future__ import annotations

import functools

import hypothesis
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from simulator import create_app
from simulator.worlds import ids

from .personas import ARM_SCOPE, CLI_CLIENT_ID, GRAPH_SCOPE, PASSWORD, PC_SCOPE

MAX_EXAMPLES = 10
SEED = 20240406
FUZZ_WORLD = "fuzz"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

# Who signs in for each surface: Northwind's admin, in the tenant the token is issued in, for the scope.
NORTHWIND = "admin@northwindcloud.onmicrosoft.com"
SIGN_IN = {
    "partnercenter": ("northwindcloud.onmicrosoft.com", PC_SCOPE),
    "graph": ("northwindcloud.onmicrosoft.com", GRAPH_SCOPE),
    # Graph's service communications read the token's own tenant: Northwind acting in Contoso (GDAP).
    "graph-health": ("contoso.onmicrosoft.com", GRAPH_SCOPE),
    "azure": ("contoso.onmicrosoft.com", ARM_SCOPE),
    "m365admin": ("contoso.onmicrosoft.com", "https://admin.microsoft.com/.default"),
}

APP = create_app(database_url="sqlite://", frozen_clock=True)
SCHEMAS = {
    surface: schemathesis.openapi.from_wsgi(
        f"/docs/{surface}/openapi.json",
        APP,
        config=schemathesis.config.SchemathesisConfig.from_dict(
            {
                "seed": SEED,
                "generation": {"max-examples": MAX_EXAMPLES},
                # one unexpected method per path is enough to see the 405s
                "phases": {"coverage": {"unexpected-methods": ["trace"]}},
            }
        ),
    )
    for surface in ("login", "partnercenter", "graph", "azure", "m365admin", "sim")
}

_tokens: dict[str, str] = {}


def _token(surface: str) -> str:
    if surface not in _tokens:
        tenant, scope = SIGN_IN[surface]
        response = APP.test_client().post(
            f"/login/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": NORTHWIND,
                "password": PASSWORD,
                "scope": scope,
            },
        )
        assert response.status_code == 200, response.get_json()
        _tokens[surface] = response.get_json()["access_token"]
    return _tokens[surface]


def _ensure_fuzz_world() -> None:
    client = APP.test_client()
    if client.get(f"/sim/worlds/{FUZZ_WORLD}").status_code == 404:
        response = client.post("/sim/worlds", json={"id": FUZZ_WORLD})
        assert response.status_code == 201, response.get_json()


# Ids that exist in the default world, per path parameter name.
KNOWN = {
    "customer_id": [ids.tenant_id("contoso"), ids.tenant_id("woodgrove")],
    "tenant_id": [ids.tenant_id("contoso")],
    "subscription_id": [ids.subscription_id("woodgrove-prod")],
    "rel_id": [ids.gdap_relationship_id("contoso", "northwind-support")],
    "service_id": ["Exchange"],
    "issue_id": ["EX1001"],
    "world_id": [FUZZ_WORLD],
    "locale": ["en-US"],
    "workload": ["azure", "microsoft365"],
    "tenant": ["contoso.onmicrosoft.com", ids.tenant_id("northwind"), "organizations"],
    "upn": [NORTHWIND],
}


def _known_path_parameters(path_parameters: dict | None) -> st.SearchStrategy:
    if not path_parameters:
        return st.just(path_parameters)
    swapped = {
        name: st.sampled_from(KNOWN[name]) if name in KNOWN else st.just(value)
        for name, value in path_parameters.items()
    }
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(swapped))


def _without_auxiliary_token(headers: dict | None) -> st.SearchStrategy:
    """ARM's x-ms-authorization-auxiliary is optional: a generated (so invalid) one stops every request at 401,
    so half of the cases leave it out and reach the operation itself."""
    if not headers or "x-ms-authorization-auxiliary" not in headers:
        return st.just(headers)
    return st.sampled_from([headers, {k: v for k, v in headers.items() if k != "x-ms-authorization-auxiliary"}])


@functools.cache
def _sign_in_forms() -> list[dict]:
    """Token requests that succeed in some tenant: each grant (a refresh token from a first sign-in)."""
    password = {
        "grant_type": "password",
        "client_id": CLI_CLIENT_ID,
        "username": NORTHWIND,
        "password": PASSWORD,
        "scope": f"{GRAPH_SCOPE} openid profile offline_access",
        "client_info": "1",
    }
    response = APP.test_client().post("/login/organizations/oauth2/v2.0/token", data=password)
    assert response.status_code == 200, response.get_json()
    return [
        password,
        {
            "grant_type": "client_credentials",
            "client_id": ids.app_id("northwind", "psa"),
            "client_secret": "Pcsim-App-Secret-1!",
            "scope": GRAPH_SCOPE,
        },
        {
            "grant_type": "refresh_token",
            "client_id": CLI_CLIENT_ID,
            "refresh_token": response.get_json()["refresh_token"],
        },
    ]


def _signing_in(context, body) -> st.SearchStrategy:
    """Generated token requests are refused at once (no such client...): a share of them sign in for real."""
    if not context.operation.path.endswith("/oauth2/v2.0/token"):
        return st.just(body)
    return st.one_of(st.just(body), st.sampled_from(_sign_in_forms()))


SCHEMAS["login"].hook("flatmap_body")(_signing_in)
for _schema in SCHEMAS.values():
    _schema.hook("flatmap_path_parameters")(lambda context, path_parameters: _known_path_parameters(path_parameters))
    _schema.hook("flatmap_headers")(lambda context, headers: _without_auxiliary_token(headers))


def _check(surface: str, case) -> None:
    if surface == "sim":
        world = case.path_parameters.get("world_id") if case.path_parameters else None
        # Never the default world (the fuzzer's own app still signs in there); only the fuzzer's own.
        hypothesis.assume(world != "default")
        if world == FUZZ_WORLD:
            _ensure_fuzz_world()
        headers = None
    elif surface == "login":
        headers = None  # signing in takes no token
    else:
        key = "graph-health" if "/admin/serviceAnnouncement/" in case.path else surface
        headers = {"Authorization": f"Bearer {_token(key)}"}
    case.call_and_validate(headers=headers, checks=CHECKS)


_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@SCHEMAS["login"].parametrize()
@_SETTINGS
def test_login(case):
    _check("login", case)


@SCHEMAS["partnercenter"].parametrize()
@_SETTINGS
def test_partnercenter(case):
    _check("partnercenter", case)


@SCHEMAS["graph"].parametrize()
@_SETTINGS
def test_graph(case):
    _check("graph", case)


@SCHEMAS["azure"].parametrize()
@_SETTINGS
def test_azure(case):
    _check("azure", case)


@SCHEMAS["m365admin"].parametrize()
@_SETTINGS
def test_m365admin(case):
    _check("m365admin", case)


@SCHEMAS["sim"].parametrize()
@_SETTINGS
def test_sim(case):
    _check("sim", case)
