"""The Graph judge (tests/conformance/graph.py) refuses what msgraph-sdk's models would misread: a test that would
fail if the judge stopped judging."""

from __future__ import annotations

import json

import pytest
from flask import Flask, Response, request

from .conformance import graph

RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
REL_ID = "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836"
CONTEXT = "https://graph.microsoft.com/v1.0/tenantRelationships/$metadata#"
APP = Flask(__name__)


def judge(method: str, path: str, body, status: int = 200, headers: dict | None = None) -> list[str]:
    with APP.test_request_context(path, method=method):
        response = Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)
        return graph.validate(request, response)


def relationship(**changes) -> dict:
    return {
        "@odata.context": CONTEXT + "delegatedAdminRelationships/$entity",
        "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
        "@odata.etag": 'W/"JyIxIic="',
        "id": REL_ID,
        "displayName": "Contoso admin relationship",
        "duration": "P730D",
        "customer": {"tenantId": "52eaad04-13a2-4a2f-9ce8-93a294fadf36", "displayName": "Contoso"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
        "status": "active",
        "autoExtendDuration": "P180D",
        "createdDateTime": "2022-02-10T11:24:42.3148266Z",
        "lastModifiedDateTime": "2022-02-10T11:26:44Z",
        "activatedDateTime": "2022-02-10T11:26:44Z",
        "endDateTime": None,
    } | changes


def test_the_docs_example_conforms():
    assert judge("GET", f"{RELS}/{REL_ID}", relationship()) == []


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"partnerName": "Northwind"}, "partnerName: not a property of msgraph-sdk's DelegatedAdminRelationship"),
        ({"status": "Active"}, "status: 'Active' is not one of DelegatedAdminRelationshipStatus"),
        ({"status": "running"}, "is not one of DelegatedAdminRelationshipStatus"),
        ({"createdDateTime": "yesterday"}, "createdDateTime: 'yesterday' does not parse"),
        ({"duration": "730 days, 0:00:00"}, "duration: '730 days, 0:00:00' does not parse"),
        ({"customer": {"tenantId": 42}}, "customer.tenantId: 42 is not a string"),
        ({"accessDetails": {"unifiedRoles": [{"roleId": "x"}]}}, "unifiedRoles[0].roleId: not a property"),
        ({"@odata.context": CONTEXT + "delegatedAdminRelationships"}, "is not Graph's"),
    ],
)
def test_what_the_sdk_would_misread_is_refused(changes, problem):
    problems = judge("GET", f"{RELS}/{REL_ID}", relationship(**changes))
    assert any(problem in p for p in problems), problems


def test_errors_are_odata_errors_with_pcsims_rule_only():
    error = {"code": "Authorization_RequestDenied", "message": "no", "innerError": {"request-id": "x", "rule": "R3"}}
    assert judge("GET", RELS, {"error": error}, 403) == []
    assert judge("GET", RELS, {"error": error | {"innerError": {"secret": 1}}}, 403)
    assert judge("GET", RELS, {"message": "no"}, 400)


def test_unknown_route_and_bodies_of_no_content_are_reported():
    assert judge("GET", "/graph/v1.0/me", {"id": "x"})
    assert judge("DELETE", f"{RELS}/{REL_ID}", {"id": "x"}, 204)


def test_creates_and_accepted_changes_name_their_location():
    created = relationship(**{"@odata.context": CONTEXT + "delegatedAdminRelationships"})
    assert judge("POST", RELS, created, 201) == ["a 201 without Location"]
    assert judge("POST", RELS, created, 201, {"Location": f"http://x{RELS}/{REL_ID}"}) == []
    accepted = f"{RELS}/{REL_ID}/accessAssignments/a"
    assert judge("PATCH", accepted, {}, 202) == ["a 202 without Location, Retry-After"]
    assert judge("PATCH", accepted, {}, 202, {"Location": "http://x/op", "Retry-After": "10"}) == []
