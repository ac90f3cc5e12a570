"""The domain rules as plain functions: effective roles with their grants, expiry, GDAP lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.domain import gdap
from simulator.domain.access import (
    AccessAssignmentFacts,
    GdapRelationshipFacts,
    effective_roles,
    effective_status,
    support_roles,
)
from simulator.domain.catalog import ENTRA_ROLES, SUPPORT_ROLE_IDS, resource_for
from simulator.domain.errors import Conflict, Denied, Invalid

NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)
HELPDESK, SSA, READER = (
    ENTRA_ROLES[n] for n in ("Helpdesk Administrator", "Service Support Administrator", "Global Reader")
)


def rel(status="active", end=NOW + timedelta(days=30), auto="PT0S", roles=(HELPDESK, SSA, READER), assignments=()):
    return GdapRelationshipFacts("rel-1", "Support", "p", "c", status, end, auto, frozenset(roles), tuple(assignments))


def assignment(group="g1", roles=(HELPDESK,), status="active", aid="a1"):
    return AccessAssignmentFacts(aid, group, f"Group {group}", frozenset(roles), status)


def test_roles_are_the_union_over_active_assignments_of_the_users_groups():
    facts = [
        rel(
            assignments=[
                assignment("g1", (HELPDESK,)),
                assignment("g2", (SSA,), aid="a2"),
                assignment("g3", (READER,), aid="a3"),
            ]
        )
    ]
    result = effective_roles(facts, {"g1", "g2"}, NOW)
    assert result.roles == {HELPDESK, SSA}
    assert [(g.assignment_id, g.group_name) for g in result.grants] == [("a1", "Group g1"), ("a2", "Group g2")]
    assert support_roles(result) == {HELPDESK, SSA}
    assert result.role_names == ["Helpdesk Administrator", "Service Support Administrator"]


def test_an_assignment_never_grants_more_than_its_relationship():
    facts = [rel(roles=(READER,), assignments=[assignment("g1", (HELPDESK, READER))])]
    assert effective_roles(facts, {"g1"}, NOW).roles == {READER}


@pytest.mark.parametrize(
    "facts, groups, finding",
    [
        ([], {"g1"}, "no GDAP relationship"),
        ([rel(status="expired", assignments=[assignment()])], {"g1"}, "is expired"),
        ([rel(status="terminated", assignments=[assignment()])], {"g1"}, "is terminated"),
        ([rel(status="approvalPending", end=None)], {"g1"}, "is approvalPending"),
        ([rel(end=NOW - timedelta(seconds=1), assignments=[assignment()])], {"g1"}, "is expired since"),
        ([rel(assignments=[assignment(status="deleted")])], {"g1"}, "no active access assignment"),
        ([rel(assignments=[assignment("g9")])], {"g1"}, "groups the user is not in (Group g9)"),
    ],
)
def test_no_roles_and_the_reason(facts, groups, finding):
    result = effective_roles(facts, groups, NOW)
    assert result.roles == frozenset() and finding in result.denial_reason()


def test_auto_extension_moves_the_end_forward_in_steps():
    status, end = effective_status(rel(end=NOW - timedelta(days=200), auto="P180D"), NOW)
    assert status == "active" and end == NOW - timedelta(days=200) + timedelta(days=360)
    assert effective_status(rel(end=NOW - timedelta(days=1)), NOW)[0] == "expired"
    assert effective_status(rel(status="terminated", end=NOW - timedelta(days=1), auto="P180D"), NOW)[0] == "terminated"


def test_support_roles_catalogue():
    assert SUPPORT_ROLE_IDS == {HELPDESK, SSA, ENTRA_ROLES["Global Administrator"]}
    assert READER not in SUPPORT_ROLE_IDS


def test_resources_per_cloud():
    assert resource_for("https://management.core.windows.net/") == ("public", "arm", "https://management.azure.com/")
    assert resource_for("https://graph.microsoft.us") == ("usgov", "graph", "https://graph.microsoft.us")
    assert resource_for("https://example.com") is None


@pytest.mark.parametrize(
    "text, ok", [("P1D", True), ("P730D", True), ("P2Y", False), ("P731D", False), ("PT1H", False), ("later", False)]
)
def test_relationship_duration_bounds(text, ok):
    if ok:
        gdap.check_duration(text)
    else:
        with pytest.raises(Invalid):
            gdap.check_duration(text)


def test_lifecycle_transitions():
    kw = dict(actor_is_partner=True, actor_is_customer_global_admin=False, has_customer=True)
    assert gdap.next_status("lockForApproval", "created", **kw) == "approvalPending"
    with pytest.raises(Invalid):
        gdap.next_status("lockForApproval", "created", **(kw | {"has_customer": False}))
    with pytest.raises(Denied):
        gdap.next_status("approve", "approvalPending", **kw)
    assert (
        gdap.next_status(
            "approve", "approvalPending", actor_is_partner=False, actor_is_customer_global_admin=True, has_customer=True
        )
        == "active"
    )
    with pytest.raises(Conflict):
        gdap.next_status("terminate", "expired", **kw)
    assert gdap.next_status("terminate", "active", **kw) == "terminated"
