"""Stable ids and stable details: ids are uuid5 of an entity's fixture key, the same in every world and
every process; the details Faker fills in are seeded per entity, so building a fixture twice gives the same
rows and adding an entity changes no other entity's details."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from simulator.store import models
from simulator.worlds import ids, load_fixture
from simulator.worlds.builder import build_rows

from .personas import GRAPH_SCOPE, bearer, upn

ROOT = Path(__file__).parents[1]
DEFAULT = ROOT / "fixtures" / "default.yaml"
PLUS_CUSTOMER = Path(__file__).parent / "fixtures" / "default_plus_customer.yaml"

# Written down once: a change of the id scheme breaks every id a user or a test has kept.
CONTOSO_ID = "bf92fb98-d06e-5778-9615-897a296c3480"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pcsim.dev/ids")


def u5(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def test_namespace_and_a_written_down_id():
    assert str(ids.NAMESPACE) == "bc70a556-2409-5967-b24c-276a2623c055" == str(NAMESPACE)
    assert ids.tenant_id("contoso") == CONTOSO_ID


def test_every_kind_of_id_is_uuid5_of_kind_and_keys():
    assert ids.tenant_id("contoso") == u5("tenant:contoso")
    assert ids.user_id("northwind", "admin") == u5("user:northwind/admin")
    assert ids.group_id("northwind", "support-engineers") == u5("group:northwind/support-engineers")
    assert ids.app_id("northwind", "psa") == u5("app:northwind/psa")
    assert ids.subscription_id("contoso-prod") == u5("subscription:contoso-prod")
    assert ids.product_id("trey-backup") == u5("product:trey-backup")
    assert ids.access_assignment_id("contoso", "northwind-support", "support-engineers") == u5(
        "accessAssignment:contoso/northwind-support/support-engineers"
    )
    # Graph's GDAP relationship id: a GUID, a dash, then the customer's tenant id.
    assert ids.gdap_relationship_id("contoso", "northwind-support") == (
        f"{u5('gdap:contoso/northwind-support')}-{CONTOSO_ID}"
    )
    assert ids.stable_id("relationship", "contoso", "northwind", "directProvider") == u5(
        "relationship:contoso/northwind/directProvider"
    )


def test_built_rows_carry_the_stable_ids():
    rows = build_rows(load_fixture(DEFAULT))
    tenants = {r["key"]: r for r in rows[models.Tenant]}
    assert tenants["contoso"]["id"] == CONTOSO_ID
    assert all(r["id"] == ids.tenant_id(k) for k, r in tenants.items())
    users = {(r["tenant_id"], r["key"]): r["id"] for r in rows[models.User]}
    assert users[(ids.tenant_id("northwind"), "admin")] == ids.user_id("northwind", "admin")
    assert {r["key"]: r["id"] for r in rows[models.Subscription]}["contoso-prod"] == ids.subscription_id("contoso-prod")
    apps = {r["key"]: r["id"] for r in rows[models.App]}
    assert apps == {"psa": ids.app_id("northwind", "psa")}
    assert ids.gdap_relationship_id("contoso", "northwind-support") in {r["id"] for r in rows[models.GdapRelationship]}
    assert tenants["contoso"]["profile"]["commerceId"] == ids.stable_id("commerce", "contoso")


def test_contoso_id_is_the_id_partner_center_returns(client, sign_in):
    token = sign_in(upn("northwind"))
    response = client.get(f"/partnercenter/v1/customers/{ids.tenant_id('contoso')}", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["id"] == CONTOSO_ID == body["companyProfile"]["tenantId"]
    assert body["companyProfile"]["companyName"] == "Contoso Ltd"
    subs = client.get(f"/partnercenter/v1/customers/{CONTOSO_ID}/subscriptions", headers=bearer(token))
    assert subs.status_code == 200, subs.get_json()
    # A license-based subscription's id is the one the other surfaces know; an Azure plan's entitlementId is
    # the Azure subscription's id.
    items = subs.get_json()["items"]
    assert {s["id"] for s in items if s["billingType"] == "license"} == {ids.subscription_id("contoso-m365")}
    assert {s["entitlementId"] for s in items if s["billingType"] == "usage"} == {ids.subscription_id("contoso-prod")}


def test_gdap_relationship_id_is_the_id_graph_returns(client, sign_in):
    token = sign_in(upn("northwind"), scope=GRAPH_SCOPE)
    rel_id = ids.gdap_relationship_id("contoso", "northwind-support")
    response = client.get(
        f"/graph/v1.0/tenantRelationships/delegatedAdminRelationships/{rel_id}", headers=bearer(token)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == rel_id
    assert response.get_json()["customer"]["tenantId"] == CONTOSO_ID


def canonical(row: dict) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def rows_digest(path: str | Path) -> str:
    """A digest of every row built from a fixture (used in-process and in a fresh process)."""
    rows = build_rows(load_fixture(path))
    text = json.dumps({m.__tablename__: [canonical(r) for r in rs] for m, rs in rows.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_building_the_default_fixture_twice_gives_identical_rows():
    first, second = build_rows(load_fixture(DEFAULT)), build_rows(load_fixture(DEFAULT))
    assert first == second
    # ... and the rows do carry Faker details (addresses, phones, names not given in the fixture).
    contoso = next(r for r in first[models.Tenant] if r["key"] == "contoso")
    address = contoso["profile"]["address"]
    assert address["city"] and address["addressLine1"] and address["postalCode"]
    assert len(address["phoneNumber"]) == 10 and address["phoneNumber"].isdigit()
    billing = contoso["profile"]["billingContact"]
    assert billing["email"] == f"{billing['firstName'].lower()}.{billing['lastName'].lower()}@contoso.onmicrosoft.com"
    contoso_admin = next(r for r in first[models.User] if r["id"] == ids.user_id("contoso", "admin"))
    assert contoso_admin["display_name"] == f"{contoso_admin['given_name']} {contoso_admin['surname']}"
    assert contoso_admin["phone"].startswith("+1 ")
    # Different entities get different details: the seed is per entity, not one shared value.
    assert len({r["profile"]["address"]["addressLine1"] for r in first[models.Tenant]}) == len(first[models.Tenant])


def test_the_rows_are_the_same_in_another_process():
    env = dict(os.environ, PYTHONHASHSEED="12345")
    code = f"from tests.test_stable_ids import rows_digest; print(rows_digest({str(DEFAULT)!r}))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == rows_digest(DEFAULT)


def test_given_details_win_over_faker():
    rows = build_rows(load_fixture(DEFAULT))
    admin = next(r for r in rows[models.User] if r["id"] == ids.user_id("northwind", "admin"))
    assert admin["display_name"] == "Northwind Admin"
    northwind = next(r for r in rows[models.Tenant] if r["key"] == "northwind")
    assert northwind["mpn_id"] == "4810001"
    assert northwind["profile"]["supportContact"]["phone"] == "+1 425-555-0100"


def _rows_by_table(rows) -> dict[str, set[str]]:
    return {m.__tablename__: {canonical(r) for r in rs} for m, rs in rows.items()}


@pytest.mark.parametrize("first", [False, True], ids=["appended", "built-first"])
def test_an_unrelated_customer_changes_no_other_entity(first):
    base = _rows_by_table(build_rows(load_fixture(DEFAULT)))
    variation = load_fixture(PLUS_CUSTOMER)
    assert variation.customers[-1]["key"] == "zephyr"
    if first:  # build the new customer before every other one: no shared random stream may shift
        variation.customers.insert(0, variation.customers.pop())
    plus = _rows_by_table(build_rows(variation))
    for table, rows in base.items():
        assert rows <= plus[table], f"{table}: rows of the default world changed"
    zephyr = ids.tenant_id("zephyr")
    added = {table: plus[table] - base[table] for table in plus}
    assert all(zephyr in row for rs in added.values() for row in rs), "only zephyr's rows are new"
    assert len(added["tenants"]) == 1 and len(added["users"]) == 2 and len(added["subscriptions"]) == 2


def test_another_seed_gives_other_details_and_the_same_ids():
    fixture = load_fixture(DEFAULT)
    fixture.header["seed"] = fixture.header["seed"] + 1
    reseeded = {r["id"]: r for r in build_rows(fixture)[models.Tenant]}
    original = {r["id"]: r for r in build_rows(load_fixture(DEFAULT))[models.Tenant]}
    assert reseeded.keys() == original.keys()
    assert reseeded[CONTOSO_ID]["profile"]["address"] != original[CONTOSO_ID]["profile"]["address"]
    assert reseeded[CONTOSO_ID]["name"] == original[CONTOSO_ID]["name"] == "Contoso Ltd"
