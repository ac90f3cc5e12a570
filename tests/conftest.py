"""Shared fixtures: one app per test process, its default world (frozen clock) reset per test; sign-in;
live servers."""

from __future__ import annotations

import threading

import pytest
from flask import request, request_finished

from simulator import create_app
from simulator.server import start_server
from simulator.tls import ensure_certificates

from . import conformance
from .conformance import (
    azure,  # noqa: F401  (registers its judge)
    graph,  # noqa: F401  (registers its judge)
    partnercenter,  # noqa: F401  (registers its judge)
)
from .personas import CLI_CLIENT_ID, PASSWORD, PC_SCOPE

_nonconforming: list[str] = []
_nonconforming_lock = threading.Lock()


def _judge(sender, response, **extra) -> None:
    problems = conformance.check(request, response)
    if problems:
        with _nonconforming_lock:
            _nonconforming.extend(problems)


# Every app in this process, the test client's and the in-process servers' alike (a weak reference by default:
# keep the function alive at module level).
request_finished.connect(_judge)


@pytest.fixture(autouse=True)
def conforms_to_microsoft():
    """Fails a test that saw a response Microsoft's own models reject (tests/conformance)."""
    with _nonconforming_lock:
        _nonconforming.clear()
    yield
    with _nonconforming_lock:
        problems, _nonconforming[:] = list(_nonconforming), []
    assert not problems, "responses that Microsoft's models reject:\n" + "\n".join(problems[:20])


@pytest.fixture(scope="session")
def shared_app():
    return create_app(database_url="sqlite://", frozen_clock=True)


@pytest.fixture
def app(shared_app):
    """The session's app with its default world reset: every test starts from the fixture."""
    shared_app.extensions["pcsim"].worlds.reset("default")
    return shared_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token_response(client):
    """POST a password grant; returns the Flask response (any status)."""

    def request(
        username: str,
        tenant: str | None = None,
        scope: str = PC_SCOPE,
        password: str = PASSWORD,
        client_id: str = CLI_CLIENT_ID,
        **extra,
    ):
        tenant = tenant or username.split("@", 1)[1]
        cloud = "/usgov" if tenant.endswith(".us") or scope.rstrip("/.default").endswith(".us") else ""
        return client.post(
            f"{cloud}/login/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "username": username,
                "password": password,
                "scope": scope,
                **extra,
            },
        )

    return request


@pytest.fixture
def sign_in(token_response):
    """An access token for a user (in ``tenant``, default: the user's own), or the test fails."""

    def sign_in(username: str, tenant: str | None = None, scope: str = PC_SCOPE, **extra) -> str:
        response = token_response(username, tenant, scope, **extra)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    return sign_in


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return ensure_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def live_server(app):
    """The app on a real plain-HTTP port."""
    server = start_server(app)
    yield server
    server.stop()


@pytest.fixture
def tls_server(app, tls_files):
    """The app on a real HTTPS port (https://localhost:PORT), trusted through ``tls_files.ca_cert``."""
    server = start_server(app, tls=tls_files)
    yield server
    server.stop()


@pytest.fixture
def advance_clock(app):
    """Move the default world's clock (the control plane's clock API comes with the toolkit issue)."""
    from simulator.store.models import World

    def advance(delta):
        with app.extensions["pcsim"].store.session() as session:
            world = session.get(World, app.extensions["pcsim"].config.default_world)
            world.clock_anchor = world.clock_anchor + delta

    return advance
