"""What pcsim defers to keep its cold start short still works on a freshly created app: the OpenAPI documents
(built on their first request), every cloud's routes and URL building (werkzeug's builders, generated on first
use), and the signing key generated in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from flask import url_for

from simulator import create_app
from simulator.auth import keys
from simulator.store import Store
from simulator.surfaces.openapi import DOCUMENTS


def _fresh():
    return create_app(database_url="sqlite://", frozen_clock=True)


def test_documents_answer_on_a_fresh_app_and_concurrent_first_requests_agree():
    app = _fresh()
    documented = list(DOCUMENTS)
    assert {"partnercenter", "graph", "azure", "m365admin", "sim"} <= set(documented)
    answers: dict[str, list[str]] = {key: [] for key in documented}

    def fetch(key):
        response = app.test_client().get(f"/docs/{key}/openapi.json")
        assert response.status_code == 200
        answers[key].append(response.get_data(as_text=True))

    threads = [threading.Thread(target=fetch, args=(key,)) for key in documented for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key, bodies in answers.items():
        assert len(bodies) == 3 and len(set(bodies)) == 1, key  # no request saw a half-built document
        again = app.test_client().get(f"/docs/{key}/openapi.json").get_data(as_text=True)
        assert again == bodies[0]
        assert json.loads(again)["paths"], key
    assert app.test_client().get("/docs/partnercenter/").status_code == 200  # Swagger UI


def test_every_cloud_answers_the_first_request_of_a_fresh_app():
    for prefix in ("", "/usgov"):
        app = _fresh()
        client = app.test_client()
        config = client.get(f"{prefix}/login/organizations/v2.0/.well-known/openid-configuration")
        assert config.status_code == 200 and config.get_json()["issuer"]
        for path in (
            "/partnercenter/v1/customers",
            "/graph/v1.0/tenantRelationships/delegatedAdminRelationships",
            "/azure/subscriptions?api-version=2020-01-01",
            "/m365admin/v1.0/support/options",
        ):
            answer = client.get(prefix + path)
            assert answer.status_code == 401, (prefix, path, answer.status_code)


def test_urls_build_for_every_rule():
    app = _fresh()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values = {name: "x" for name in rule.arguments}
            assert url_for(rule.endpoint, **values).startswith("/")
            assert url_for(rule.endpoint, **values, extra="1").endswith("extra=1")


def test_cli_module_leaves_the_app_unimported():
    # ``pcsim serve`` pauses the garbage collector before importing the app: importing the CLI must not import it.
    code = "import sys, simulator.cli; print(sorted(m for m in ('simulator.app', 'sqlalchemy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_key_generated_in_background_signs_and_verifies(monkeypatch):
    monkeypatch.setattr(keys, "_generated_pem", None)
    keys.generate_in_background()
    ring = keys.KeyRing(Store("sqlite://"))
    ring.load()
    assert keys._generating is None and keys._generated_pem.startswith("-----BEGIN PRIVATE KEY-----")
    token = ring.sign({"sub": "x"})
    import jwt

    header = jwt.get_unverified_header(token)
    assert header["kid"] == ring.kid == ring.jwks()["keys"][0]["kid"]
    assert jwt.decode(token, ring.public_key(header["kid"]), algorithms=["RS256"])["sub"] == "x"


def test_stored_key_wins_over_one_generated_in_background(monkeypatch):
    store = Store("sqlite://")
    first = keys.KeyRing(store)
    first.load()
    monkeypatch.setattr(keys, "_generated_pem", None)
    keys.generate_in_background()
    second = keys.KeyRing(store)
    second.load()
    assert second.kid == first.kid
    assert keys._generating is None and keys._generated_pem is None  # the child is gone, its key unused
