"""pcsim's pytest plugin (client_sdk/pytest_plugin.py) and the control plane SDK (client_sdk/sim.py), used the
way a partner tool's tests use them: the plugin's fixtures, SDK clients bound to the test's world."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import AuthenticationError, PartnerCenterForbidden
from client_sdk.sim import Clock, Sim, SimError, World, duration_text
from simulator.worlds import ids

pytest_plugins = ["pytester"]

ADMIN, PASSWORD = "admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!"
COHO = "cohowinery.onmicrosoft.com"
EXCHANGE_TOPIC = 32444671  # a Partner Center support topic (Exchange Online)
START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
DEFAULT_CUSTOMERS = {
    "Contoso Ltd",
    "Adatum Corporation",
    "Litware Inc",
    "Fourth Coffee",
    "Nod Publishers",
    "Tailwind Traders",
    "Coho Winery",
    "Alpine Ski House",
    "Margie's Travel",
}


def customer_names(client) -> set[str]:
    return {c["companyProfile"]["companyName"] for c in client.partner_center.customers()}


def test_fixtures_give_a_world_and_a_client_bound_to_it(pcsim, pcsim_server, pcsim_world, pcsim_client):
    assert isinstance(pcsim, Sim) and pcsim.base_url == pcsim_server
    assert isinstance(pcsim_world, World) and pcsim_world.scenario == "default"
    assert pcsim_world.base_urls["partnercenter"] == f"{pcsim_server}/worlds/{pcsim_world.id}/partnercenter/v1"
    assert pcsim_world.clock() == Clock(START, True)  # frozen by default
    assert pcsim_world in pcsim.worlds() and pcsim.world(pcsim_world.id) == pcsim_world
    assert pcsim_client.world == pcsim_world.id and pcsim_client.tenant is None  # not signed in
    pcsim_client.sign_in_user(ADMIN, PASSWORD)
    assert customer_names(pcsim_client) == DEFAULT_CUSTOMERS


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_gets_a_fresh_world(pcsim_world, pcsim_client, run):
    """Both runs mutate their world (a new GDAP relationship, a subscription to paid, the clock, a group);
    each starts from the scenario as it is."""
    client = pcsim_client.sign_in_user(ADMIN, PASSWORD)
    assert len(list(client.gdap.relationships())) == 8 and pcsim_world.clock().now == START
    assert pcsim_world.journal(rule="R1") == [] and pcsim_world.faults() == []
    tailwind = ids.tenant_id("tailwind")
    client.gdap.create_relationship(f"run {run}", tailwind, ["Helpdesk Administrator"])
    assert len(list(client.gdap.relationships())) == 9
    assert pcsim_world.set_subscription(ids.subscription_id("adatum-m365-direct-trial"), trial=False)["trial"] is False
    pcsim_world.remove_member(ids.group_id("northwind", "support-engineers"), ids.user_id("northwind", "sales"))
    pcsim_world.add_fault(surface="graph", path="/nothing-matches", status=503)
    assert pcsim_world.advance(timedelta(days=run)).now == START + timedelta(days=run)


@pytest.mark.pcsim_scenario("fixtures/default_plus_customer.yaml")  # next to this file: tests/fixtures/
def test_scenario_marker_picks_the_world(pcsim_world, pcsim_client):
    pcsim_client.sign_in_user(ADMIN, PASSWORD)
    assert customer_names(pcsim_client) == DEFAULT_CUSTOMERS | {"Zephyr Airlines"}


@pytest.mark.pcsim_world(seed=7, frozen=False)
def test_world_marker_passes_options(pcsim_world):
    assert pcsim_world.clock().frozen is False
    assert pcsim_world.freeze().frozen is True and pcsim_world.unfreeze().frozen is False


def test_clock_advance_expires_a_gdap_relationship(pcsim_world, pcsim_client):
    admin = pcsim_client.sign_in_user(ADMIN, PASSWORD)
    coho = admin.as_tenant(COHO)
    coho.get_token("graph")  # the GDAP relationship (2025-09-01, P365D) is active on 2026-01-15
    rel = next(r for r in admin.gdap.relationships() if r["customer"]["displayName"] == "Coho Winery")
    end = datetime.fromisoformat(rel["endDateTime"].replace("Z", "+00:00"))
    assert end == datetime(2026, 9, 1, tzinfo=UTC)

    assert pcsim_world.advance(end - START - timedelta(seconds=1)).now == end - timedelta(seconds=1)
    coho.expire_token("graph")
    coho.get_token("graph")  # one second before its end: still granted
    assert pcsim_world.advance("PT1S").now == end
    coho.expire_token("graph")
    with pytest.raises(AuthenticationError) as refused:
        coho.get_token("graph")
    assert refused.value.aadsts == 50020 and "is expired since 2026-09-01T00:00:00Z" in refused.value.message

    pcsim_world.set_clock(START)  # back in time: active again
    coho.expire_token("graph")
    coho.get_token("graph")
    pcsim_world.expire_relationship(rel["id"])  # the edit helper: it ends now
    coho.expire_token("graph")
    with pytest.raises(AuthenticationError, match="is expired"):
        coho.get_token("graph")


def test_a_429_with_retry_after_is_retried_by_the_sdk(pcsim_world, pcsim_client):
    rule = pcsim_world.add_fault(surface="partnercenter", path="/customers*", status=429, retry_after=1, count=1)
    client = pcsim_client.sign_in_user(ADMIN, PASSWORD)
    started = time.monotonic()
    assert customer_names(client) == DEFAULT_CUSTOMERS  # the 429 is retried after Retry-After: 1
    assert time.monotonic() - started >= 0.9
    [fault] = pcsim_world.faults()
    assert fault["id"] == rule["id"] and fault["fired"] == 1 and fault["count"] == 0
    statuses = [e["status"] for e in pcsim_world.journal(surface="partnercenter")]
    assert statuses == [200, 429]  # newest first
    assert pcsim_world.journal(status=429)[0]["outcome"] == "fault"
    pcsim_world.clear_faults()
    assert pcsim_world.faults() == []


def test_journal_and_explain_of_a_denial(pcsim_world, pcsim_client):
    """A SalesAgent files a ticket for Contoso: R3 denies it (Partner Center's AdminAgent role is needed)."""
    sales = pcsim_client.sign_in_user("sales@northwindcloud.onmicrosoft.com", PASSWORD)
    with pytest.raises(PartnerCenterForbidden) as denied:
        sales.partner_center.file_service_request(
            ids.tenant_id("contoso"), "Mail delayed", "Since 06:30 UTC", "minimal", EXCHANGE_TOPIC
        )
    assert denied.value.rule == "R3"
    [entry] = pcsim_world.journal(rule="R3")
    assert entry["outcome"] == "denied" and entry["status"] == 403 and entry["method"] == "POST"
    assert entry["actor"] == "sales@northwindcloud.onmicrosoft.com" and entry["surface"] == "partnercenter"
    assert pcsim_world.journal(status=403) == [entry]
    trace = pcsim_world.explain(entry["requestId"])
    checks = [c for d in trace["decisions"] for c in d["checks"]]
    assert checks[-1]["rule"] == "R3" and checks[-1]["passed"] is False and "AdminAgent" in checks[-1]["reason"]
    assert all(c["passed"] for c in checks[:-1])
    assert pcsim_world.explain(denied.value) == trace  # from the SDK's error (its explain link) too
    text = pcsim_world.explain(entry, text=True)
    assert "DENIED by R3" in text and "[FAIL] R3:" in text


def test_snapshots_reset_and_edits(pcsim, pcsim_world, pcsim_client):
    client = pcsim_client.sign_in_user(ADMIN, PASSWORD)
    pcsim_world.snapshot("clean")
    client.gdap.create_relationship("later", ids.tenant_id("tailwind"), ["Helpdesk Administrator"])
    pcsim_world.advance("P2D")
    assert [s["name"] for s in pcsim_world.snapshots()] == ["clean"]
    copy = pcsim.create_world(snapshot=f"{pcsim_world.id}/clean", frozen=True)
    try:
        assert len(list(copy.client().sign_in_user(ADMIN, PASSWORD).gdap.relationships())) == 8
    finally:
        copy.delete()
    assert pcsim_world.restore("clean").data["clock"]["now"] == "2026-01-15T09:00:00Z"
    assert len(list(client.gdap.relationships())) == 8
    sales = ids.user_id("northwind", "sales")
    assert pcsim_world.set_user_roles(sales, ["AdminAgent"])["roles"] == ["AdminAgent"]
    rbac = pcsim_world.add_rbac(
        ids.subscription_id("alpine-prod"), ids.group_id("northwind", "support-engineers"), "Reader"
    )
    assert rbac["principalType"] == "group"
    pcsim_world.remove_rbac(rbac["id"])
    pcsim_world.reset()
    assert pcsim_world.journal(top=1)  # the journal stays through a reset
    assert len(list(client.gdap.relationships())) == 8


def test_control_plane_errors_are_sim_errors(pcsim, pcsim_world):
    with pytest.raises(SimError) as unknown:
        pcsim.create_world(scenario="no-such-scenario")
    assert unknown.value.status == 400 and unknown.value.code == "InvalidFixture"
    assert unknown.value.details[0]["reason"] == "file not found"
    with pytest.raises(SimError) as bad:
        pcsim_world.set_relationship(ids.gdap_relationship_id("contoso", "northwind-support"), status="sleeping")
    assert bad.value.status == 400 and bad.value.details and "sleeping" in str(bad.value)
    with pytest.raises(SimError) as missing:
        pcsim.world("no-such-world")
    assert missing.value.status == 404 and missing.value.code == "NotFound"
    with pytest.raises(ValueError):
        pcsim_world.advance(timedelta(days=-1))
    assert duration_text(timedelta(days=400, hours=2, seconds=1.5)) == "P400DT2H0M1.5S"


# --- the plugin in a test run of its own (pytester), under pytest-xdist -----------------------------------------

PARTNER_TOOL_TESTS = """
import pytest

ADMIN, PASSWORD = "admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!"


@pytest.mark.parametrize("n", range(4))
def test_each_test_has_its_own_world(pcsim_world, pcsim_client, n):
    client = pcsim_client.sign_in_user(ADMIN, PASSWORD)
    assert len(list(client.gdap.relationships())) == 8
    client.gdap.create_relationship(f"tool run {n}", "{tailwind}", ["Helpdesk Administrator"])
    pcsim_world.advance("P1D")


@pytest.mark.pcsim_world(frozen=False)
def test_marker(pcsim_world):
    assert pcsim_world.clock().frozen is False


def test_denied(pcsim_world, pcsim_client):
    pcsim_client.sign_in_user("admin@wingtipadvisory.onmicrosoft.com", PASSWORD)
    pcsim_client.partner_center.customer("{woodgrove}")
"""


def write_tool_tests(pytester):
    pytester.makepyfile(
        test_tool=PARTNER_TOOL_TESTS.replace("{tailwind}", ids.tenant_id("tailwind")).replace(
            "{woodgrove}", ids.tenant_id("woodgrove")
        )
    )


def test_plugin_under_xdist_with_a_server_per_worker(pytester):
    write_tool_tests(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--strict-markers", "-k", "not denied")
    result.assert_outcomes(passed=5)
    assert result.ret == 0


def test_plugin_on_a_shared_server_reports_the_journal_of_a_failure(pytester, pcsim, pcsim_server):
    write_tool_tests(pytester)
    before = {w.id for w in pcsim.worlds()}
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--strict-markers", f"--pcsim-url={pcsim_server}"
    )
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        ["*PartnerCenterForbidden*R1*", "*pcsim journal*", "*403 GET /partnercenter/v1/customers/* rule R1*"]
    )
    assert {w.id for w in pcsim.worlds()} == before  # every world of that run was deleted
