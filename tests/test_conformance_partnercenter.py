"""The Partner Center judge itself (tests/conformance/partnercenter.py): it rejects what Microsoft's models reject,
so a shape that drifts fails the suite."""

from __future__ import annotations

from .conformance import partnercenter as judge

V1 = judge.V1
RELATIONSHIPS = f"{judge.COLLECTION}PartnerRelationship"


def relationship(kind: str) -> dict:
    return {"id": "p", "name": "n", "relationshipType": kind, "state": "active", "mpnId": "1", "location": "US"}


def test_a_relationship_type_outside_the_sdks_enum_is_refused():
    body = {"totalCount": 1, "items": [relationship("is_direct_cloud_solution_provider_of")]}
    problems = judge.check_model(body, RELATIONSHIPS)
    assert len(problems) == 1 and "is_direct_cloud_solution_provider_of" in problems[0]
    assert judge.check_model({"totalCount": 1, "items": [relationship("is_indirect_reseller_of")]}, RELATIONSHIPS) == []


def test_total_count_is_the_items_held():
    body = {"totalCount": 9, "items": [relationship("is_indirect_reseller_of")]}
    assert any("totalCount" in p for p in judge.check_model(body, RELATIONSHIPS))


def test_unknown_fields_wrong_types_and_null_value_types_are_refused():
    problems = judge.check_model(
        {"id": "x", "title": "not in the model", "quantity": "40", "creationDate": None, "isTrial": None},
        f"{V1}Subscription",
    )
    assert any(".title: not a field" in p for p in problems)
    assert any(".quantity" in p and "int" in p for p in problems)
    assert any(".creationDate: null" in p for p in problems) and any(".isTrial: null" in p for p in problems)
    # The .NET SDK's fields beyond the swagger's are known; .NET's nullable ones may be null.
    assert judge.check_model({"termDuration": "P1M", "isMicrosoftProduct": True}, f"{V1}Subscription") == []
    assert judge.check_model({"allowDelegatedAccess": None}, f"{V1}Customer") == []


def test_incident_message_type_and_dates():
    detail = {"id": "EX1", "messageType": "messageCenter", "endTime": None, "startTime": "2026-01-15T00:00:00Z"}
    problems = judge.check_model(detail, f"{V1}ServiceHealthServiceIncidentDetail")
    assert any("messageType" in p for p in problems) and any("endTime: null" in p for p in problems)
    fine = detail | {"messageType": "message_center", "endTime": "0001-01-01T00:00:00"}
    assert judge.check_model(fine, f"{V1}ServiceHealthServiceIncidentDetail") == []


def test_error_body():
    assert judge.check_fault({"code": 20002, "description": "d", "data": [{"rule": "R1"}], "source": "PartnerFD"}) == []
    assert judge.check_fault({"error": "x"}) != []
    assert judge.check_fault({"code": "20002", "description": "d"}) != []


def test_validate_judges_a_route_by_its_model(shared_app):
    """What the suite's hook calls: the route's model, from the view's name (any cloud's copy)."""
    import json

    from flask import Response, request

    bad = {"totalCount": 1, "items": [relationship("is_advisor_of")], "attributes": {"objectType": "Collection"}}
    for path in ("/partnercenter/v1/customers/c/relationships", "/usgov/partnercenter/v1/customers/c/relationships"):
        with shared_app.test_request_context(path):
            problems = judge.validate(request, Response(json.dumps(bad), 200, mimetype="application/json"))
            assert any("is_advisor_of" in p for p in problems), (path, problems)
            fault = Response(json.dumps({"code": 20002, "description": "d", "data": [], "source": "PartnerFD"}), 403)
            assert judge.validate(request, fault) == []
            assert judge.validate(request, Response("<html>", 200)) == ["the body is not JSON"]
