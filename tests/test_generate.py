"""`pcsim generate`: a valid fixture of any size, the same bytes for the same seed, every relationship type and
GDAP status, and worlds made from it."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.domain import catalog
from simulator.scenarios.generate import generate_fixture, write_fixture
from simulator.worlds import ids
from simulator.worlds.fixtures import load_fixture

SUPPORT = {"Service Support Administrator", "Helpdesk Administrator"}


def gdap_kind(customer: dict) -> str:
    if not customer.get("gdap"):
        return "none"
    g = customer["gdap"][0]
    if g["status"] == "active":
        return "active with support roles" if SUPPORT & set(g["roles"]) else "active without support roles"
    return g["status"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """40 customers: every kind of the cycles, and one US Government customer."""
    path = tmp_path_factory.mktemp("gen") / "small.yaml"
    result = CliRunner().invoke(main, ["generate", "--customers", "40", "--seed", "7", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_same_seed_same_bytes_other_seed_other_world(small, tmp_path):
    again = tmp_path / "elsewhere" / "again.yaml"
    write_fixture(again, customers=40, seed=7)
    assert again.read_bytes() == small.read_bytes()  # the name is the file's: nothing depends on the path
    other = tmp_path / "other.yaml"
    write_fixture(other, customers=40, seed=8)
    assert other.read_bytes() != small.read_bytes()
    a, b = yaml.safe_load(small.read_text()), yaml.safe_load(other.read_text())
    assert [c["key"] for c in a["customers"]] == [c["key"] for c in b["customers"]]
    assert [c["name"] for c in a["customers"]] != [c["name"] for c in b["customers"]]


def test_it_validates_and_cli_validate_accepts_it(small):
    fixture = load_fixture(small)
    assert len(fixture.customers) == 40 and fixture.name == "small"
    result = CliRunner().invoke(main, ["validate", str(small)])
    assert result.exit_code == 0 and "ok (6 partners, 40 customers)" in result.output


def test_every_relationship_type_gdap_status_and_subscription_kind(small):
    doc = yaml.safe_load(small.read_text())
    customers = doc["customers"]
    assert {r["type"] for c in customers for r in c["relationships"]} == set(catalog.RELATIONSHIP_TYPES)
    assert {gdap_kind(c) for c in customers[:10]} == {
        "active with support roles",
        "active without support roles",
        "approvalPending",
        "expired",
        "terminated",
        "none",
    }
    subs = [s for c in customers for s in c["subscriptions"]]
    assert {s["workload"] for s in subs} == {"microsoft365", "azure", "dynamics", "ems", "marketplace"}
    direct = [s for s in subs if s.get("channel") == "direct"]
    assert any(s.get("trial") for s in direct) and any(not s.get("trial") for s in direct)
    azure = [s for s in subs if s["workload"] == "azure"]
    assert any(s.get("rbac") for s in azure) and any(not s.get("rbac") for s in azure)
    assert doc["marketplaceProducts"][0]["key"] == "gen-backup"
    assert any(s.get("product") == "gen-backup" for s in subs)
    # An indirect customer's subscriptions name the distributor as provider and the reseller.
    indirect = next(c for c in customers if any(r["type"] == "indirectReseller" for r in c["relationships"]))
    reseller = next(r["partner"] for r in indirect["relationships"] if r["type"] == "indirectReseller")
    assert all(s.get("reseller") == reseller for s in indirect["subscriptions"] if s.get("channel") != "direct")
    partners = {p["key"]: p for p in doc["partners"]}
    assert partners[reseller]["indirectProvider"] == indirect["subscriptions"][0]["provider"]
    assert any(p.get("cloud") == "usgov" for p in doc["partners"])


def test_in_proportion_at_scale():
    doc, stats = generate_fixture(1400, seed=3)
    customers = doc["customers"]
    kinds = Counter(gdap_kind(c) for c in customers)
    assert kinds["active with support roles"] == 400 and kinds["none"] == 200
    assert all(kinds[k] == 200 for k in ("active without support roles", "approvalPending", "expired", "terminated"))
    types = Counter(r["type"] for c in customers for r in c["relationships"])
    assert types["directProvider"] > types["indirectProvider"] == types["indirectReseller"] > types["advisor"] > 0
    assert stats["customers"] == 1400 and stats["partners"] == len(doc["partners"]) > 6
    assert len({p["key"] for p in doc["partners"] if p["key"].startswith("direct-")}) == 3


def test_a_world_from_a_generated_fixture(client, small, sign_in):
    doc = yaml.safe_load(small.read_text())
    for body in ({"fixture": doc, "frozen": True}, {"scenario": str(small.resolve())}):
        created = client.post("/sim/worlds", json=body)
        assert created.status_code == 201, created.get_json()
        world = created.get_json()["id"]
        partner = doc["partners"][0]
        domain = partner["domains"][0]
        token = client.post(
            f"/worlds/{world}/login/{domain}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": catalog.AZURE_CLI_CLIENT_ID,
                "username": f"admin@{domain}",
                "password": "Pcsim-Passw0rd!",
                "scope": "https://api.partnercenter.microsoft.com/.default",
            },
        )
        assert token.status_code == 200, token.get_json()
        listed = client.get(
            f"/worlds/{world}/partnercenter/v1/customers",
            headers={"Authorization": f"Bearer {token.get_json()['access_token']}"},
        )
        own = [c for c in doc["customers"] if any(r["partner"] == partner["key"] for r in c["relationships"])]
        assert listed.status_code == 200 and listed.get_json()["totalCount"] == len(own)
        assert ids.tenant_id(own[0]["key"]) in {c["id"] for c in listed.get_json()["items"]}
        assert client.delete(f"/sim/worlds/{world}").status_code == 204
