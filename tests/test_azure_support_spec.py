"""Microsoft.Support against its specification (azure-rest-api-specs, support/resource-manager): $filter, every
published api-version, the long-running create on demand, file workspaces, files and chat transcripts; and the
conformance judge itself (tests/conformance/azure.py) refusing what azure-mgmt-support's models refuse."""

from __future__ import annotations

import pytest

from tests.conformance import azure as judge

from .personas import upn
from .test_azure_support import (  # noqa: F401  (fixtures)
    PROVIDER,
    arm,
    arm_token,
    assert_denied,
    stored,
    sub_id,
    ticket_body,
    tickets_path,
)

NORTHWIND = upn("northwind")


# --- $filter ----------------------------------------------------------------------------------------------------
def test_filter_takes_only_and_and_refuses_everything_else_with_400(arm):
    assert arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "f1"), "contoso", ticket_body()).status_code == 200
    path = tickets_path("contoso-prod")

    def listed(flt: str):
        return arm(NORTHWIND, "GET", f"{path}?$filter={flt}", "contoso")

    # The spec's examples (ListSupportTicketsCreatedOnOrAfterAndInOpenState...): clauses joined by 'and'.
    ok = listed("createdDate ge 2020-03-10T22:08:51Z and status eq 'Open'")
    assert ok.status_code == 200 and [t["name"] for t in ok.get_json()["value"]] == ["f1"]
    assert [t["name"] for t in listed("createdDate ge 2020-03-10").get_json()["value"]] == ["f1"]
    for flt, says in [
        ("Status eq 'Open' or Status eq 'Closed'", "'or' is not supported"),
        ("(Status eq 'Open')", "is not a clause"),
        ("Status eq 'Open' and", "ends after 'and'"),
        ("Status ne 'Open'", "takes eq, not 'ne'"),
        ("Title eq 'x'", "'Title' cannot be filtered on"),
        ("Status eq 'Open' Status eq 'Closed'", "does not join two clauses"),
    ]:
        error = assert_denied(listed(flt), 400, "InvalidParameter", None)
        assert error["target"] == "$filter" and says in error["message"], error
    comms = f"{tickets_path('contoso-prod', 'f1')}/communications"
    assert arm(NORTHWIND, "GET", f"{comms}?$filter=communicationType eq 'web'", "contoso").status_code == 200
    either = arm(
        NORTHWIND, "GET", f"{comms}?$filter=communicationType eq 'web' or communicationType eq 'phone'", "contoso"
    )
    assert "'or' is not supported" in assert_denied(either, 400, "InvalidParameter", None)["message"]


# --- api-versions -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["2019-05-01-preview", "2021-06-01-preview", "2022-09-01-preview"])
def test_older_api_versions_file_a_ticket_without_advanced_diagnostic_consent(arm, version):
    body = ticket_body()
    body["properties"].pop("advancedDiagnosticConsent")
    created = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "old"), "contoso", body, api=f"api-version={version}")
    assert created.status_code == 200, created.get_json()
    # 2024-04-01 requires it (SupportTicketDetailsProperties.required).
    refused = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "new"), "contoso", body)
    assert assert_denied(refused, 400, "InvalidParameter", None)["target"] == "properties.advancedDiagnosticConsent"


def test_an_unknown_api_version_is_refused_as_arm_refuses_it_for_a_provider(arm):
    services = arm(NORTHWIND, "GET", f"/azure{PROVIDER}/services", api="api-version=2018-01-01")
    error = assert_denied(services, 400, "NoRegisteredProviderFound", None)
    assert error["message"].startswith(
        "No registered resource provider found for location 'global' and API version '2018-01-01' for type "
        "'services'. The supported api-versions are '2019-05-01-preview, 2020-04-01, 2021-06-01-preview, "
    )


# --- the judge --------------------------------------------------------------------------------------------------
def test_the_judge_refuses_what_the_sdk_models_refuse():
    good = {
        "id": f"/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/supportTickets/t",
        "name": "t",
        "type": "Microsoft.Support/supportTickets",
        "properties": {
            **ticket_body()["properties"],
            "createdDate": "2026-01-15T09:00:00Z",
            "serviceLevelAgreement": {"slaMinutes": 240},
        },
    }

    def problems(body, model=judge.m.SupportTicketDetails) -> list[str]:
        found: list[str] = []
        judge.judge_model(model, body, found)
        return found

    assert problems(good) == []
    props = good["properties"]
    assert "severity = 'urgent' is not a value of SeverityLevel" in " ".join(
        problems({**good, "properties": {**props, "severity": "urgent"}})
    )
    missing = {k: v for k, v in props.items() if k != "title"}
    assert "SupportTicketDetails.title is required" in " ".join(problems({**good, "properties": missing}))
    assert "slaMinutes = '240' is not of the model's type" in " ".join(
        problems({**good, "properties": {**props, "serviceLevelAgreement": {"slaMinutes": "240"}}})
    )
    assert "cannot read it" in " ".join(problems({**good, "properties": {**props, "createdDate": "yesterday"}}))
    assert "surprise is not a property" in " ".join(problems({**good, "properties": {**props, "surprise": 1}}))
    assert "type is 'Microsoft.Support/tickets'" in " ".join(problems({**good, "type": "Microsoft.Support/tickets"}))
    errors: list[str] = []
    judge.judge_error({"error": {"message": "no code"}}, errors)
    assert errors == ["an ARM error has error.code and error.message"]
