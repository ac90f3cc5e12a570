"""GDAP's asynchronous changes in the domain: requests, relationships and access assignments settle by the
world's clock (domain.gdap.SETTLE_TIME), and only what has settled grants roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.domain import gdap
from simulator.domain.access import AccessAssignmentFacts, GdapRelationshipFacts, effective_roles, effective_status
from simulator.domain.errors import Conflict, Invalid

T0 = datetime(2026, 1, 15, 9, tzinfo=UTC)
SECOND = timedelta(seconds=1)
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"


def relationship(status: str, request: tuple[str, datetime] | None, *assignments) -> GdapRelationshipFacts:
    end = T0 + timedelta(days=30)
    return GdapRelationshipFacts(
        "rel", "Support", "partner", "customer", status, end, "PT0S", frozenset({HELPDESK}), assignments, request
    )


def assignment(status: str = "active", created_at: datetime = T0 - timedelta(days=1), modified=None):
    return AccessAssignmentFacts("a", "g", "Support Engineers", frozenset({HELPDESK}), status, created_at, modified)


def test_a_request_is_created_then_pending_then_succeeded():
    assert gdap.request_status(T0, T0) == "created"
    assert gdap.request_status(T0, T0 + SECOND) == "pending"
    assert gdap.request_status(T0, T0 + gdap.SETTLE_TIME) == "succeeded"
    assert [gdap.operation_status(T0, T0 + d) for d in (0 * SECOND, SECOND, gdap.SETTLE_TIME)] == [
        "notStarted",
        "running",
        "succeeded",
    ]


@pytest.mark.parametrize(
    "action, stored, on_the_way",
    [
        ("lockForApproval", "approvalPending", ("created", "created")),
        ("approve", "active", ("approved", "activating")),
        ("terminate", "terminated", ("terminationRequested", "terminating")),
    ],
)
def test_the_relationship_on_its_way(action, stored, on_the_way):
    rel = relationship(stored, (action, T0))
    assert (effective_status(rel, T0)[0], effective_status(rel, T0 + SECOND)[0]) == on_the_way
    assert effective_status(rel, T0 + gdap.SETTLE_TIME)[0] == stored
    # A world edit of the control plane (another stored status) has the last word.
    assert effective_status(relationship("expired", (action, T0)), T0)[0] == "expired"


def test_roles_only_once_active_and_gone_once_termination_is_asked():
    settled = assignment()
    assert effective_roles([relationship("active", ("approve", T0), settled)], {"g"}, T0 + SECOND).roles == frozenset()
    assert effective_roles([relationship("active", ("approve", T0), settled)], {"g"}, T0 + gdap.SETTLE_TIME).roles
    ended = effective_roles([relationship("terminated", ("terminate", T0), settled)], {"g"}, T0)
    assert not ended.roles and "terminationRequested" in ended.denial_reason()


def test_an_assignment_is_pending_then_active_and_deleting_then_deleted():
    assert gdap.assignment_status("active", T0, T0, T0 + SECOND) == "pending"
    assert gdap.assignment_status("active", T0, T0, T0 + gdap.SETTLE_TIME) == "active"
    assert gdap.assignment_status("deleted", T0 - timedelta(days=1), T0, T0 + SECOND) == "deleting"
    assert gdap.assignment_status("deleted", T0 - timedelta(days=1), T0, T0 + gdap.SETTLE_TIME) == "deleted"
    pending = effective_roles([relationship("active", None, assignment(created_at=T0))], {"g"}, T0 + SECOND)
    assert not pending.roles and "no active access assignment" in pending.denial_reason()


def test_one_request_at_a_time_and_if_match_required():
    with pytest.raises(Conflict):
        gdap.check_no_request_in_progress(("lockForApproval", T0), T0 + SECOND)
    gdap.check_no_request_in_progress(("lockForApproval", T0), T0 + gdap.SETTLE_TIME)
    gdap.check_no_request_in_progress(None, T0)
    with pytest.raises(Invalid):
        gdap.check_if_match(None, 1)
    gdap.check_if_match("*", 1)
