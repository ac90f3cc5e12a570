"""Scenario files (simulator/scenarios): checking them, running them (`pcsim replay`), and recording a session
through the proxy (`pcsim record`) that then replays green."""

from __future__ import annotations

import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.scenarios import Runner, ScenarioInvalid, load_scenario
from simulator.scenarios.model import matches_keyword
from simulator.worlds import ids

from .personas import CLI_CLIENT_ID, PASSWORD, PC_SCOPE, tid, upn
from .ports import free_port

HERE = Path(__file__).parent / "scenarios"
PASSING = HERE / "northwind_customers.yaml"
BROKEN = HERE / "broken" / "woodgrove_filed.yaml"
INVALID = HERE / "invalid"
EXPLAIN = re.compile(r"http://127\.0\.0\.1:\d+/sim/worlds/(replay-[0-9a-f]+)/explain/[0-9a-f-]{36}")


def replay(*args: str):
    result = CliRunner().invoke(main, ["replay", *args])
    return result.exit_code, result.output


def test_a_scenario_passes_in_its_own_world(live_server):
    result = Runner(live_server.url).run(load_scenario(PASSING))
    assert result.passed, result.failure_message()
    assert [s.status for s in result.steps] == ["passed"] * len(result.steps) and len(result.steps) == 16
    # The world was the scenario's own, and it is gone.
    assert result.world_id.startswith("replay-")
    assert requests.get(f"{live_server.url}/sim/worlds/{result.world_id}").status_code == 404


def test_a_broken_scenario_says_which_step_what_was_expected_and_where_to_read_why(live_server):
    result = Runner(live_server.url, keep_failed_worlds=True).run(load_scenario(BROKEN))
    assert not result.passed and result.outcome == "failed"
    assert [s.status for s in result.steps] == ["passed", "passed", "failed", "skipped"]
    message = result.failure_message()
    assert "steps[2] call POST /partnercenter/v1/customers/{tenant:woodgrove}/servicerequests/en-US" in message
    assert "expected 201, got 403 R1" in message
    assert "status: expected 201, got 403" in message
    assert '- status: "open"' in message and "+ status: (missing)" in message
    assert "code: 20002" not in message  # an expected value that came as expected is not in the diff
    assert "[FAIL] R1:" in message  # the decision trace, read before the world went away
    url = EXPLAIN.search(message)
    assert url and result.failed_step.explain_url == url.group(0)
    explained = requests.get(url.group(0)).json()
    assert explained["rule"] == "R1" and explained["status"] == 403
    requests.delete(f"{live_server.url}/sim/worlds/{url.group(1)}")


def test_invalid_files_are_rejected_with_file_step_and_reason():
    with pytest.raises(ScenarioInvalid) as exc:
        load_scenario(INVALID / "steps.yaml")
    errors = {(e.path, e.reason) for e in exc.value.errors}
    assert all(e.file == str(INVALID / "steps.yaml") for e in exc.value.errors)
    for path, reason in [
        ("steps[0].call.path", "a call to /partnercenter needs a token"),
        ("steps[1]", "one action per step; this one has as, advance"),
        ("steps[2].call.method", "Missing data for required field."),
        ("steps[3].expect", "expect goes with a call step"),
        ("steps[3].advance", "not an ISO 8601 duration: 'thirty days'"),
        ("steps[4]", "${ticket} is not saved by an earlier step"),
        ("steps[5].as", "an app needs secret and tenant"),
        ("steps[6].call.method", "got 'FETCH'"),
        ("steps[6].call.path", "a path starts with '/'"),
        ("steps[6].expect.status", "Not a valid integer."),
        ("steps[7]", "{user:northwind}: a user placeholder is {user:<tenant key>/<key>}"),
        ("steps[8].fault.surface", "Must be one of"),
        ("steps[8].fault.status", "Must be one of: 429, 500, 503."),
        ("steps[9].dance", "unknown key"),
    ]:
        assert any(p == path and reason in r for p, r in errors), (path, reason, sorted(errors))

    code, output = replay(str(INVALID))
    assert code == 2 and "nothing was run" in output
    lines = output.splitlines()
    assert f"{INVALID / 'syntax.yaml'}: line 4, column 9: YAML syntax error: did not find expected ',' or '}}'" in lines
    assert f"{INVALID / 'top.yaml'}: name: Missing data for required field." in lines
    assert f"{INVALID / 'top.yaml'}: colour: Unknown field." in lines
    assert f"{INVALID / 'top.yaml'}: steps: give at least one step" in lines
    assert f"{INVALID / 'steps.yaml'}: steps[4]: ${{ticket}} is not saved by an earlier step" in lines


def test_replay_against_a_running_server_with_junit_xml(live_server, tmp_path):
    out = tmp_path / "reports" / "scenarios.xml"
    code, output = replay(str(PASSING), str(HERE / "broken"), "--url", live_server.url, "--junit-xml", str(out))
    assert code == 1, output
    assert "1 passed, 1 failed" in output.splitlines()
    assert f"FAILED {BROKEN} :: Deliberately broken" in output and EXPLAIN.search(output)

    suite = ET.parse(out).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    passed = cases["Northwind lists its customers; woodgrove's service request is refused (R1)"]
    assert passed.find("failure") is None and passed.get("file") == str(PASSING)
    failure = cases["Deliberately broken - expects northwind to file for woodgrove"].find("failure")
    assert failure.get("message").startswith("steps[2] call POST") and "expected 201, got 403 R1" in failure.text
    assert EXPLAIN.search(failure.text)
    # The failed scenario's world is kept on a server that outlives the run, so its explain URL answers.
    world = EXPLAIN.search(failure.text).group(1)
    assert requests.get(f"{live_server.url}/sim/worlds/{world}").status_code == 200


def test_k_selects_by_name_file_and_rule(live_server):
    passing, broken = load_scenario(PASSING), load_scenario(BROKEN)
    assert matches_keyword(passing, "R1") and matches_keyword(broken, "r1")
    assert matches_keyword(broken, "broken and not northwind_customers")
    assert not matches_keyword(passing, "broken or R6") and matches_keyword(passing, "(broken or R1) and not R6")

    code, output = replay(
        str(HERE / "northwind_customers.yaml"), str(HERE / "broken"), "--url", live_server.url, "-k", "not Deliberately"
    )
    assert code == 0 and "1 passed, 0 failed" in output and "1 deselected" in output
    code, output = replay(str(PASSING), "--url", live_server.url, "-k", "nothing-matches")
    assert code == 0 and "no scenario selected" in output


def test_replay_without_url_starts_its_own_server_and_runs_in_threads(tmp_path):
    for i in range(3):  # three copies of the passing scenario, run two at a time
        (tmp_path / f"copy{i}.yaml").write_text(PASSING.read_text().replace("name: ", f"name: copy {i} - ", 1))
    (tmp_path / "README.yaml").write_text("not a scenario")
    code, output = replay(str(tmp_path), "-j", "2")
    assert code == 0, output
    assert re.search(r"against http://127\.0\.0\.1:\d+, 2 at a time", output)
    assert "3 passed, 0 failed" in output and output.count("PASS copy") == 3


def test_a_recorded_session_replays_green(live_server, tmp_path):
    out = tmp_path / "recorded.yaml"
    port = free_port()
    done = {}
    thread = threading.Thread(
        target=lambda: done.setdefault(
            "result",
            CliRunner().invoke(
                main, ["record", "--url", live_server.url, "-o", str(out), "--port", str(port), "--max-requests", "4"]
            ),
        )
    )
    thread.start()
    proxy = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)

    # A partner tool: signs in, lists customers, follows up on one, is refused a service request.
    token = requests.post(
        f"{proxy}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": PASSWORD,
            "scope": PC_SCOPE,
        },
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(f"{proxy}/partnercenter/v1/customers?size=2", headers=headers)
    assert listed.status_code == 200 and listed.json()["totalCount"] == 2  # the page's items
    first = listed.json()["items"][0]["id"]
    assert requests.get(f"{proxy}/partnercenter/v1/customers/{first}", headers=headers).status_code == 200
    denied = requests.post(
        f"{proxy}/partnercenter/v1/customers/{tid('woodgrove')}/servicerequests/en-US",
        headers=headers,
        json={
            "Title": "Mail is delayed",
            "Description": "Delays.",
            "Severity": "critical",
            "SupportTopicId": "32444671",
        },
    )
    assert denied.status_code == 403 and denied.json()["data"][0]["rule"] == "R1"
    assert denied.json()["data"][0]["explain"].startswith(proxy)  # the answers point at the proxy
    thread.join(20)
    assert not thread.is_alive() and done["result"].exit_code == 0, done.get("result") and done["result"].output

    text = out.read_text()
    assert "Pcsim-Passw0rd!" not in text and "access_token" not in text
    doc = yaml.safe_load(text)
    assert doc["world"] == {"scenario": "default"} and doc["rules"] == ["R1"]
    steps = doc["steps"]
    assert steps[0] == {"as": {"user": upn("northwind")}}
    assert steps[1]["call"] == {"method": "GET", "path": "/partnercenter/v1/customers?size=2"}
    assert steps[1]["expect"]["status"] == 200 and steps[1]["expect"]["body"]["totalCount"] == 2
    assert steps[1]["expect"]["body"]["items[0].id"] == "{tenant:nod}"  # a stable id, as a placeholder
    assert steps[2]["call"]["path"] == "/partnercenter/v1/customers/{tenant:nod}"
    assert steps[3]["call"]["path"] == "/partnercenter/v1/customers/{tenant:woodgrove}/servicerequests/en-US"
    assert steps[3]["call"]["body"]["Title"] == "Mail is delayed"
    assert steps[3]["expect"] == {"status": 403, "rule": "R1", "body": {"code": 20002}}

    load_scenario(out)
    code, output = replay(str(out), "--url", live_server.url)
    assert code == 0 and "1 passed, 0 failed" in output, output


def test_record_writes_refused_sign_ins_saved_values_and_other_passwords(live_server, tmp_path):
    from simulator.scenarios.recorder import record_session

    out = tmp_path / "session.yaml"
    ready = threading.Event()
    box: dict = {}
    said: list[str] = []
    thread = threading.Thread(
        target=record_session,
        args=(live_server.url, str(out)),
        kwargs={
            "port": 0,
            "max_requests": 5,
            "echo": said.append,
            "ready": lambda url: (box.update(url=url), ready.set()),
        },
    )
    thread.start()
    assert ready.wait(20)
    proxy = box["url"]
    world = re.search(r"recording world (record-[0-9a-f]+)", "\n".join(said)).group(1)
    # A user whose password was changed in the recorded world (through the proxy): the scenario carries it.
    edited = requests.patch(
        f"{proxy}/sim/worlds/{world}/users/{ids.user_id('contoso', 'admin')}", json={"password": "Other-Passw0rd!"}
    )
    assert edited.status_code == 200
    form = {
        "grant_type": "password",
        "client_id": CLI_CLIENT_ID,
        "username": upn("contoso"),
        "password": "Other-Passw0rd!",
        "scope": "https://graph.microsoft.com/.default",
    }
    token = requests.post(f"{proxy}/login/contoso.onmicrosoft.com/oauth2/v2.0/token", data=form).json()["access_token"]
    health = requests.get(
        f"{proxy}/graph/v1.0/admin/serviceAnnouncement/healthOverviews/Exchange",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert health.status_code == 200
    refused = requests.post(
        f"{proxy}/login/fourthcoffee.onmicrosoft.com/oauth2/v2.0/token",
        data={**form, "username": upn("northwind"), "password": PASSWORD},
    )
    assert refused.status_code == 400
    filed = requests.post(
        f"{proxy}/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
        json={},
        headers={"Authorization": ""},
    )
    assert filed.status_code == 401
    thread.join(20)
    assert not thread.is_alive()
    assert any(f"holds {upn('contoso')}'s password" in m for m in said)  # the note that the file holds one
    steps = yaml.safe_load(out.read_text())["steps"]
    assert steps[0] == {
        "edit": {"method": "PATCH", "path": "/users/{user:contoso/admin}", "body": {"password": "Other-Passw0rd!"}}
    }
    assert steps[1] == {"as": {"user": upn("contoso"), "password": "Other-Passw0rd!"}}
    assert steps[2]["call"]["path"] == "/graph/v1.0/admin/serviceAnnouncement/healthOverviews/Exchange"
    assert steps[2]["expect"]["status"] == 200 and steps[2]["expect"]["body"]["status"] == "serviceDegradation"
    assert steps[3]["call"]["path"] == "/login/fourthcoffee.onmicrosoft.com/oauth2/v2.0/token"
    assert steps[3]["expect"]["rule"] == "GDAP" and steps[3]["expect"]["body"]["error_codes"] == [50020]
    assert steps[4]["call"]["headers"] == {"Authorization": ""} and steps[4]["expect"]["status"] == 401
    code, output = replay(str(out), "--url", live_server.url)
    assert code == 0, output


def test_a_scenario_whose_world_cannot_be_made_is_an_error(live_server, tmp_path):
    bad = tmp_path / "nofixture.yaml"
    bad.write_text("name: No such fixture\nworld: {scenario: no-such-fixture}\nsteps:\n  - advance: P1D\n")
    out = tmp_path / "junit.xml"
    code, output = replay(str(bad), "--url", live_server.url, "--junit-xml", str(out))
    assert code == 1 and "ERROR No such fixture" in output
    assert "could not create the world (400)" in output and "no-such-fixture.yaml: file not found" in output
    suite = ET.parse(out).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "1")
    assert "could not create the world" in suite.find("testcase/error").get("message")


def test_replay_against_no_server_says_so_in_one_line(tmp_path):
    from .ports import free_port

    code, output = replay(str(PASSING), "--url", f"http://127.0.0.1:{free_port()}")
    assert code == 2, output
    assert "no pcsim answers at" in output and "Traceback" not in output and "kept" not in output
    assert len(output.strip().splitlines()) <= 2, output


def test_the_summary_is_the_last_line(live_server):
    code, output = replay(str(PASSING), "--url", live_server.url)
    assert code == 0 and output.strip().splitlines()[-1] == "1 passed, 0 failed", output
