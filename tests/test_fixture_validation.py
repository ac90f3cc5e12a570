"""Fixture validation through its public behaviour: ``load_fixture``, ``Worlds.load_template`` and
``pcsim validate``. Every broken fixture of ``tests/fixtures/broken/`` shows one kind of error; the table
below says, for each, which file the error names, the path inside that file and a part of the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from simulator.cli import main
from simulator.store import Store
from simulator.store.models import WORLD_TABLES, RbacAssignment, World
from simulator.worlds import FixtureInvalid, Worlds, ids, load_fixture
from simulator.worlds.builder import build_rows

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken"
DEFAULT = Path(__file__).parents[1] / "fixtures" / "default.yaml"

# broken file -> (the file the error names, the path inside it, a distinctive part of the reason)
EXPECTED: dict[str, tuple[str, str, str]] = {
    "unknown_relationship_partner.yaml": (
        "unknown_relationship_partner.yaml",
        "customers[0].relationships[0].partner",
        "unknown partner 'nobody'",
    ),
    "unknown_subscription_provider.yaml": (
        "unknown_subscription_provider.yaml",
        "customers[0].subscriptions[0].provider",
        "unknown partner 'nobody'",
    ),
    "provider_without_relationship.yaml": (
        "provider_without_relationship.yaml",
        "customers[0].subscriptions[0].provider",
        "partner 'distributor' is not a direct or indirect provider of customer 'initech'",
    ),
    "reseller_not_indirect_reseller.yaml": (
        "reseller_not_indirect_reseller.yaml",
        "customers[0].subscriptions[0].reseller",
        "partner 'reseller' is not an indirect reseller of customer 'initech'",
    ),
    "reseller_provider_not_related.yaml": (
        "reseller_provider_not_related.yaml",
        "customers[0].relationships[1]",
        "needs its provider 'distributor' as this customer's indirectProvider",
    ),
    "duplicate_customer_key.yaml": (
        "duplicate_customer_key.yaml",
        "customers[1].key",
        "duplicate key 'initech' (also customers[0])",
    ),
    "duplicate_domain.yaml": (
        "duplicate_domain.yaml",
        "customers[0].domains[1]",
        "'acme.onmicrosoft.com' already belongs to 'acme'",
    ),
    "duplicate_upn.yaml": (
        "duplicate_upn.yaml",
        "customers[0].users[1].upn",
        "UPN 'admin@initech.onmicrosoft.com' is already used by initech/admin",
    ),
    "bad_relationship_type.yaml": (
        "bad_relationship_type.yaml",
        "customers[0].relationships[0].type",
        "got 'reseller'",
    ),
    "bad_workload.yaml": ("bad_workload.yaml", "customers[0].subscriptions[0].workload", "got 'office'"),
    "bad_gdap_status.yaml": ("bad_gdap_status.yaml", "customers[0].gdap[0].status", "got 'enabled'"),
    "bad_rbac_role.yaml": (
        "bad_rbac_role.yaml",
        "customers[0].subscriptions[0].rbac[0].role",
        "must be one of: Owner, Contributor, Support Request Contributor, Reader; got 'Administrator'",
    ),
    "bad_cloud.yaml": ("bad_cloud.yaml", "partners[0].cloud", "must be one of: public, usgov; got 'china'"),
    "access_role_not_granted.yaml": (
        "access_role_not_granted.yaml",
        "customers[0].gdap[0].accessAssignments[0].roles[0]",
        "role 'Global Administrator' is not granted by relationship 'support'",
    ),
    "unknown_access_group.yaml": (
        "unknown_access_group.yaml",
        "customers[0].gdap[0].accessAssignments[0].group",
        "unknown security group 'night-shift' of partner 'direct'",
    ),
    "unknown_entra_role.yaml": (
        "unknown_entra_role.yaml",
        "customers[0].gdap[0].roles[0]",
        "unknown Entra role 'Support Wizard'",
    ),
    "bad_date.yaml": (
        "bad_date.yaml",
        "customers[0].gdap[0].start",
        "not an ISO 8601 date-time: '2025-13-45T00:00:00Z'",
    ),
    "bad_duration.yaml": (
        "bad_duration.yaml",
        "customers[0].gdap[0].duration",
        "not an ISO 8601 duration: 'two years'",
    ),
    "unknown_top_level_field.yaml": ("unknown_top_level_field.yaml", "tenants", "unknown field"),
    "unknown_entity_field.yaml": ("unknown_entity_field.yaml", "customers[0].adress", "Unknown field"),
    "marketplace_without_product.yaml": (
        "marketplace_without_product.yaml",
        "customers[0].subscriptions[0].product",
        "a marketplace subscription names its product",
    ),
    "marketplace_unknown_product.yaml": (
        "marketplace_unknown_product.yaml",
        "customers[0].subscriptions[0].product",
        "unknown marketplace product 'tape-backup'",
    ),
    "rbac_on_non_azure.yaml": (
        "rbac_on_non_azure.yaml",
        "customers[0].subscriptions[0].rbac",
        "only an Azure subscription has RBAC",
    ),
    "unknown_rbac_principal.yaml": (
        "unknown_rbac_principal.yaml",
        "customers[0].subscriptions[0].rbac[0].principal",
        "partner 'direct' has no group or user 'night-shift'",
    ),
    "missing_include.yaml": ("missing_include.yaml", "include[1]", "included file not found"),
    # The error belongs to the include that closes the cycle: in the other file.
    "include_cycle_a.yaml": ("include_cycle_b.yaml", "include", "include cycle"),
    "include_cycle_b.yaml": ("include_cycle_a.yaml", "include", "include cycle"),
    # direct's new subscription is subscriptions[1] once merged with base.yaml, subscriptions[0] in the file.
    "partner_subscription_csp.yaml": (
        "partner_subscription_csp.yaml",
        "partners[0].subscriptions[0].channel",
        "a partner's own subscription is bought directly",
    ),
    "customer_in_two_clouds.yaml": (
        "customer_in_two_clouds.yaml",
        "customers[0].relationships",
        "must all be in one cloud (R14)",
    ),
    "not_yaml.yaml": ("not_yaml.yaml", "line 5, column 3", "not valid YAML"),
    "duplicate_rbac_assignment.yaml": (
        "duplicate_rbac_assignment.yaml",
        "customers[0].subscriptions[0].rbac[1]",
        "duplicate RBAC assignment direct/support = Contributor",
    ),
    "duplicate_access_assignment.yaml": (
        "duplicate_access_assignment.yaml",
        "customers[0].gdap[0].accessAssignments[1]",
        "duplicate access assignment key 'support'",
    ),
    "duplicate_issue_id.yaml": (
        "duplicate_issue_id.yaml",
        "customers[0].serviceHealth[1].issues[0].id",
        "duplicate issue id 'EX1'",
    ),
    "duplicate_app_client_id.yaml": (
        "duplicate_app_client_id.yaml",
        "partners[1].apps[0].clientId",
        "is already used by app direct/psa",
    ),
    # tickets
    "ticket_unknown_subscription.yaml": (
        "ticket_unknown_subscription.yaml",
        "customers[0].tickets[0].subscription",
        "unknown subscription 'acme-dev' of 'acme'",
    ),
    "ticket_other_tenants_subscription.yaml": (
        "ticket_other_tenants_subscription.yaml",
        "customers[0].tickets[0].subscription",
        "subscription 'globex-m365' belongs to 'globex', not to 'acme'",
    ),
    "ticket_azure_on_m365_subscription.yaml": (
        "ticket_azure_on_m365_subscription.yaml",
        "customers[0].tickets[0].subscription",
        "an Azure ticket's subscription is an Azure one; 'acme-m365' is microsoft365",
    ),
    "ticket_partner_not_related.yaml": (
        "ticket_partner_not_related.yaml",
        "customers[0].tickets[0].partner",
        "partner 'distributor' has no relationship with customer 'acme' (R1)",
    ),
    "ticket_duplicate_number.yaml": (
        "ticket_duplicate_number.yaml",
        "customers[1].tickets[0].number",
        "duplicate ticket number 1 (also acme/mail)",
    ),
    "ticket_bad_status.yaml": (
        "ticket_bad_status.yaml",
        "customers[0].tickets[0].status",
        "must be one of: open, attention_needed, closed; got 'resolved'",
    ),
    "ticket_created_after_clock.yaml": (
        "ticket_created_after_clock.yaml",
        "customers[0].tickets[0].created",
        "created after the clock's start",
    ),
    "ticket_pc_without_partner.yaml": (
        "ticket_pc_without_partner.yaml",
        "customers[0].tickets[0].partner",
        "a Partner Center service request names the partner that filed it",
    ),
}
CORPUS = sorted(p.name for p in BROKEN.glob("*.yaml"))


def errors_of(path: Path):
    with pytest.raises(FixtureInvalid) as info:
        load_fixture(path)
    assert info.value.errors, "FixtureInvalid without errors"
    return info.value.errors


def test_the_corpus_is_the_table():
    assert len(CORPUS) >= 18
    assert set(CORPUS) == set(EXPECTED), "every broken fixture has a row in EXPECTED, and every row a file"


def test_the_base_of_the_corpus_is_valid():
    fixture = load_fixture(FIXTURES / "base.yaml")
    assert [p["key"] for p in fixture.partners] == ["direct", "distributor", "reseller", "gov"]
    assert [c["key"] for c in fixture.customers] == ["acme", "globex"]


@pytest.mark.parametrize("name", CORPUS)
def test_broken_fixture_reports_its_one_error(name):
    file, path, reason = EXPECTED[name]
    errors = errors_of(BROKEN / name)
    assert len(errors) == 1, "\n".join(map(str, errors))
    error = errors[0]
    assert Path(error.file).name == file and Path(error.file).parent.resolve() == BROKEN.resolve(), error
    assert error.path == path, error
    assert reason in error.reason, error
    assert str(error) == f"{error.file}: {path}: {error.reason}"


def test_a_fixture_with_several_errors_reports_all_of_them():
    errors = errors_of(FIXTURES / "several_errors.yaml")
    expected = {
        ("colour", "unknown field"),
        ("partners[0].cloud", "got 'china'"),
        ("customers[0].relationships[0].partner", "unknown partner 'nobody'"),
        ("customers[0].subscriptions[0].provider", "partner 'distributor' is not a direct or indirect provider"),
        ("customers[1].gdap[0].start", "not an ISO 8601 date-time: 'not a date'"),
        ("customers[2].domains[0]", "'acme.onmicrosoft.com' already belongs to 'acme'"),
        ("customers[2].gdap[0].accessAssignments[0].roles[0]", "role 'Global Administrator' is not granted"),
    }
    assert all(Path(e.file).name == "several_errors.yaml" for e in errors), errors
    found = {(path, reason) for path, reason in expected if any(e.path == path and reason in e.reason for e in errors)}
    assert found == expected, "\n".join(map(str, errors))
    assert len(errors) == len(expected), "\n".join(map(str, errors))


def _row_counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        counts = {t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in WORLD_TABLES}
        counts["worlds"] = session.execute(select(func.count()).select_from(World)).scalar_one()
    return counts


@pytest.mark.parametrize("name", CORPUS)
def test_loading_a_broken_fixture_into_a_store_writes_nothing(name):
    store = Store("sqlite://")
    with pytest.raises(FixtureInvalid) as info:
        Worlds(store).load_template(str(BROKEN / name))
    assert any(EXPECTED[name][1] == e.path for e in info.value.errors)
    counts = _row_counts(store)
    assert set(counts) >= {"tenants", "users", "subscriptions", "gdap_relationships", "worlds"}
    assert counts == dict.fromkeys(counts, 0)


def test_a_valid_fixture_fills_the_store():
    """The counterpart of the test above: the same check does see rows when a load succeeds."""
    store = Store("sqlite://")
    template = Worlds(store).load_template(str(FIXTURES / "base.yaml"))
    counts = _row_counts(store)
    assert counts["worlds"] == 1 and counts["tenants"] == 6 and counts["rbac_assignments"] == 1
    with store.session() as session:
        assert session.get(World, template).template


def test_cli_validate_prints_every_error_and_exits_1():
    files = [str(BROKEN / "bad_cloud.yaml"), str(FIXTURES / "several_errors.yaml"), str(DEFAULT)]
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 1, result.output
    expected = errors_of(BROKEN / "bad_cloud.yaml") + errors_of(FIXTURES / "several_errors.yaml")
    for error in expected:
        assert str(error) in result.stderr
    assert f"{files[0]}: 1 error(s)" in result.stderr
    assert f"{files[1]}: 7 error(s)" in result.stderr
    assert f"{files[2]}: ok (6 partners, 12 customers)" in result.stdout


def test_cli_validate_accepts_the_default_world():
    result = CliRunner().invoke(main, ["validate", str(DEFAULT)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{DEFAULT}: ok (6 partners, 12 customers)"
    assert result.stderr == ""


def test_cli_validate_names_a_missing_file():
    result = CliRunner().invoke(main, ["validate", str(FIXTURES / "no-such-fixture.yaml")])
    assert result.exit_code == 1
    assert "no-such-fixture.yaml: (top): file not found" in result.stderr


def test_a_variation_merges_with_its_base_by_key():
    base = load_fixture(FIXTURES / "base.yaml")
    variation = load_fixture(FIXTURES / "variation.yaml")
    assert variation.name == "base-variation"
    assert [c["key"] for c in variation.customers] == ["acme", "globex", "initech"]
    acme_base, acme = base.customers[0], variation.customers[0]
    # Only the status changed: the relationship keeps every other field of the base.
    assert acme["gdap"][0]["status"] == "expired" and acme_base["gdap"][0]["status"] == "active"
    assert {**acme["gdap"][0], "status": "active"} == acme_base["gdap"][0]
    assert {k: v for k, v in acme.items() if k != "gdap"} == {k: v for k, v in acme_base.items() if k != "gdap"}
    assert variation.partners == base.partners and variation.customers[1] == base.customers[1]
    initech = variation.customers[2]
    assert initech["relationships"] == [{"partner": "direct", "type": "directProvider"}]
    assert [s["key"] for s in initech["subscriptions"]] == ["initech-m365"]
    assert variation.files[0].name == "variation.yaml" and variation.files[1].name == "base.yaml"


def test_a_variation_loads_into_worlds_with_the_overridden_status():
    from simulator.store.models import GdapRelationship, Tenant

    store = Store("sqlite://")
    template = Worlds(store).load_template(str(FIXTURES / "variation.yaml"))
    with store.session() as session:
        rel = session.get(GdapRelationship, (template, ids.gdap_relationship_id("acme", "support")))
        assert rel.status == "expired"
        assert session.get(Tenant, (template, ids.tenant_id("initech"))).name == "Initech"


def test_errors_inside_a_variation_name_the_variation_file_and_its_own_paths():
    errors = errors_of(FIXTURES / "variation_broken.yaml")
    got = {(Path(e.file).name, e.path) for e in errors}
    assert got == {
        ("variation_broken.yaml", "customers[0].gdap[0].status"),
        ("variation_broken.yaml", "customers[1].relationships[0].partner"),
        # subscriptions[1] of the merged partner, but subscriptions[0] in the file that wrote it
        ("variation_broken.yaml", "partners[0].subscriptions[0].channel"),
    }, "\n".join(map(str, errors))
    assert any("got 'paused'" in e.reason for e in errors)


def test_an_error_in_a_base_part_of_a_merged_entity_names_the_base(tmp_path):
    """A variation that drops acme's provider relationship: acme's subscriptions, written in base.yaml,
    become invalid; the errors point at base.yaml, where those subscriptions are written."""
    variation = tmp_path / "variation.yaml"
    variation.write_text(
        f"include: {FIXTURES / 'base.yaml'}\n"
        "customers:\n  - key: acme\n    relationships: [{partner: distributor, type: advisor}]\n"
    )
    errors = errors_of(variation)
    got = {(Path(e.file).name, e.path) for e in errors}
    assert got == {
        ("base.yaml", "customers[0].subscriptions[0].provider"),
        ("base.yaml", "customers[0].subscriptions[1].provider"),
        ("base.yaml", "customers[0].gdap[0].partner"),
    }, "\n".join(map(str, errors))


def test_rbac_principal_group_of_a_later_partner_is_built_as_a_group():
    """direct's own subscription grants distributor's group, and distributor comes after direct."""
    rows = build_rows(load_fixture(FIXTURES / "partner_rbac_other_partner.yaml"))
    sub = ids.subscription_id("direct-internal")
    principals = {
        (r["principal_id"], r["principal_type"], r["role"]) for r in rows[RbacAssignment] if r["subscription_id"] == sub
    }
    assert principals == {
        (ids.group_id("distributor", "support"), "group", "Reader"),
        (ids.user_id("direct", "admin"), "user", "Owner"),
    }


def _readme_rows(heading: str) -> dict[str, list[str]]:
    """The rows of the first table after ``heading`` in fixtures/README.md, by their first cell."""
    text = (DEFAULT.parent / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells
        elif rows and not line.startswith("|"):
            break
    return rows


def test_the_readme_documents_the_default_world_as_it_is():
    fixture = load_fixture(DEFAULT)
    partners = _readme_rows("### Partners")
    assert set(partners) - {"key"} == {p["key"] for p in fixture.partners}
    for p in fixture.partners:
        key, name, domain, cloud, mpn, users, _ = partners[p["key"]]
        assert (name, domain, cloud, mpn) == (p["name"], p["domains"][0], p["cloud"], p["mpnId"])
        for u in p["users"]:
            assert f"`{u['key']}` ({', '.join(u['roles'])};" in users, (p["key"], u["key"])
    customers = _readme_rows("### Customers")
    assert set(customers) - {"key"} == {c["key"] for c in fixture.customers}
    for c in fixture.customers:
        key, name, domain, relationships, subscriptions, gdap, _ = customers[c["key"]]
        assert name == c["name"] and domain.startswith(c["domains"][0])
        assert all(d in domain for d in c["domains"])
        for r in c["relationships"]:
            assert f"{r['partner']} {r['type']}" in relationships, (c["key"], r)
        assert {s for s in subscriptions.split("`")[1::2]} == {s["key"] for s in c["subscriptions"]}, c["key"]
        for g in c["gdap"]:
            assert f"{g['partner']} `{g['key']}`" in gdap and g["status"] in gdap, (c["key"], g["key"])
        assert c["gdap"] or "none" in gdap


@pytest.mark.parametrize("start", ["yesterday", "2026-13-45", 12345])
def test_a_bad_clock_start_is_an_error_not_a_crash(tmp_path, start):
    broken = tmp_path / "clock.yaml"
    broken.write_text(
        f"include: [{FIXTURES / 'base.yaml'}]\nclock:\n  start: {start!r}\n"
        if isinstance(start, str)
        else f"include: [{FIXTURES / 'base.yaml'}]\nclock:\n  start: {start}\n"
    )
    [error] = errors_of(broken)
    assert error.path == "clock.start" and "not an ISO 8601 date-time" in error.reason, error
    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 1 and "clock.start: not an ISO 8601 date-time" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_field_on_a_partner_is_one_error_and_its_other_errors_still_show(tmp_path):
    """The partner with a stray field stays known to the references (no cascade of 'unknown partner'), and an
    error elsewhere in it is still found."""
    text = DEFAULT.read_text()
    text = text.replace("  - key: northwind\n", "  - key: northwind\n    colour: blue\n", 1)
    broken = tmp_path / "stray.yaml"
    broken.write_text(text)
    [error] = errors_of(broken)
    assert (error.path, error.reason) == ("partners[0].colour", "Unknown field."), error
    second = tmp_path / "stray-and-role.yaml"
    second.write_text(text.replace("roles: [AdminAgent]", "roles: [AdminAgentt]", 1))
    errors = errors_of(second)
    assert [e.path for e in errors] == ["partners[0].colour", "partners[0].users[0].roles[0]"], errors


def test_an_empty_fixture_is_refused(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    [error] = errors_of(empty)
    assert "no partner and no customer" in error.reason
