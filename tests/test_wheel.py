"""pcsim as users get it: the wheel, built from the repository, installed into a fresh virtual environment (no
system site-packages, no PYTHONPATH, nothing of this checkout), and run from an empty folder: ``pcsim
--version``, ``pcsim serve`` (health, a token, Partner Center's customers, the UI, the API docs), ``pcsim
replay`` of the scenarios shipped in the package, and a partner tool's test suite using pcsim's pytest plugin.

One test, so that pytest-xdist runs the whole build once, beside the rest of the suite (about a minute: most of
it installing the dependencies, from pip's cache when it has them). Marked ``wheel``: ``-m 'not wheel'`` leaves
it out.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import requests

from .personas import CLI_CLIENT_ID, PASSWORD, PC_SCOPE, upn
from .ports import free_port

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parent.parent
# What a build reads: the package sources, the data they link to (simulator/data/*), and the project's metadata.
SOURCES = ("pyproject.toml", "README.md", "simulator", "client_sdk", "fixtures", "scenarios")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

PARTNER_TOOL_TESTS = """
import pytest

ADMIN, PASSWORD = "admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!"


def names(client):
    return {c["companyProfile"]["companyName"] for c in client.partner_center.customers()}


def test_a_world_of_the_shipped_default_fixture(pcsim_world, pcsim_client):
    assert pcsim_world.scenario == "default"
    pcsim_client.sign_in_user(ADMIN, PASSWORD)
    assert {"Contoso Ltd", "Coho Winery"} <= names(pcsim_client)


@pytest.mark.pcsim_world(fixture={"include": "default", "customers": [{
    "key": "zephyr", "name": "Zephyr Airlines", "domains": ["zephyrair.onmicrosoft.com"],
    "relationships": [{"partner": "northwind", "type": "directProvider"}]}]})
def test_an_inline_fixture_including_the_shipped_one(pcsim_world, pcsim_client):
    pcsim_client.sign_in_user(ADMIN, PASSWORD)
    assert {"Contoso Ltd", "Zephyr Airlines"} <= names(pcsim_client)


def test_the_clock_expires_gdap(pcsim_world, pcsim_client):
    coho = pcsim_client.sign_in_user(ADMIN, PASSWORD).as_tenant("cohowinery.onmicrosoft.com")
    coho.get_token("graph")
    pcsim_world.advance("P400D")
    coho.expire_token("graph")
    with pytest.raises(Exception, match="50020"):
        coho.get_token("graph")
"""


def clean_env(venv: Path) -> dict[str, str]:
    """This machine's environment without what points Python, pytest or pcsim at this checkout or its venv."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "PCSIM_", "VIRTUAL_ENV", "COV_"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(args: list, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done


def build_wheel(tmp: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the sources: the build writes nothing into the checkout."""
    source = tmp / "source"
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():  # the links of simulator/data stay links (relative: they point into the copy)
            shutil.copytree(
                origin,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
            )
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "-w",
            tmp / "dist",
            source,
        ],
        cwd=tmp,
    )
    wheels = list((tmp / "dist").glob("pcsim-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def install(tmp: Path, wheel: Path) -> tuple[Path, dict[str, str]]:
    """A new venv (without system site-packages) with the wheel, its dependencies, and pytest."""
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp)
    env = clean_env(venv)
    run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, "pytest"],
        cwd=tmp,
        env=env,
        timeout=900,
    )
    return venv, env


def serve(venv: Path, env: dict, cwd: Path) -> tuple[subprocess.Popen, str, Path]:
    log = cwd / "serve.log"
    for _ in range(3):  # the free port may be taken by someone else between our check and the bind
        port = free_port()
        with open(log, "w") as out:
            process = subprocess.Popen(
                [venv / "bin" / "pcsim", "serve", "--port", str(port)],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"{base}/health", timeout=5).status_code == 200:
                    return process, base, log
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        stop(process)
        if "Address already in use" not in log.read_text(errors="replace"):
            break
    raise AssertionError(f"the installed pcsim serve did not answer:\n{log.read_text(errors='replace')[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def check_server(base: str) -> None:
    assert requests.get(f"{base}/health", timeout=30).status_code == 200
    token = requests.post(
        f"{base}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        timeout=30,
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": PASSWORD,
            "scope": PC_SCOPE,
        },
    )
    assert token.status_code == 200, token.text
    customers = requests.get(
        f"{base}/partnercenter/v1/customers",
        timeout=30,
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert customers.status_code == 200, customers.text
    assert "Contoso Ltd" in {c["companyProfile"]["companyName"] for c in customers.json()["items"]}

    home = requests.get(f"{base}/ui/", timeout=30)  # a template of the package's data
    assert home.status_code == 200 and "admin@northwindcloud.onmicrosoft.com" in home.text
    css = re.search(r'href="([^"]*style\.css[^"]*)"', home.text)
    assert css, "the UI links no stylesheet"
    stylesheet = requests.get(f"{base}{css.group(1)}", timeout=30)  # the package's static file
    assert stylesheet.status_code == 200 and "text/css" in stylesheet.headers["Content-Type"]
    trainer = requests.get(f"{base}/ui/trainer", timeout=30)  # its tours: the scenarios shipped in the package
    assert trainer.status_code == 200 and "r06-reseller-billing-denied" in trainer.text, trainer.text[:2000]

    docs = requests.get(f"{base}/docs/", timeout=30)
    assert docs.status_code == 200 and "/docs/partnercenter/" in docs.text
    document = requests.get(f"{base}/docs/partnercenter/openapi.json", timeout=30)
    assert document.status_code == 200 and document.json()["paths"]


def test_the_wheel_installs_and_runs_anywhere(tmp_path):
    timings: dict[str, float] = {}
    started = time.perf_counter()
    wheel = build_wheel(tmp_path)
    timings["build"] = time.perf_counter() - started
    names = subprocess.run([sys.executable, "-m", "zipfile", "-l", wheel], capture_output=True, text=True).stdout
    for data in (
        "simulator/py.typed",
        "simulator/data/fixtures/default.yaml",
        "simulator/data/scenarios/rules/r01-advisor-files-allowed.yaml",
        "simulator/surfaces/ui/templates/ui/base.html",
        "simulator/surfaces/ui/static/style.css",
        "simulator/surfaces/ui/static/favicon.png",
    ):
        assert data in names, f"{data} is not in {wheel.name}"

    started = time.perf_counter()
    venv, env = install(tmp_path, wheel)
    timings["venv + install"] = time.perf_counter() - started
    work = tmp_path / "elsewhere"  # nothing of the checkout here, nor above
    work.mkdir()

    started = time.perf_counter()
    assert run([venv / "bin" / "pcsim", "--version"], work, env).stdout.strip() == f"pcsim {VERSION}"
    located = run(
        [
            venv / "bin" / "python",
            "-c",
            "import simulator, simulator.data as d; "
            "print(simulator.__file__); print(d.fixtures_dir()); print(d.scenarios_dir())",
        ],
        work,
        env,
    )
    for line in located.stdout.split():
        assert Path(line).is_relative_to(venv), f"not the installed package: {located.stdout}"

    process, base, log = serve(venv, env, work)
    try:
        check_server(base)
    finally:
        stop(process)
    assert "pcsim is serving scenario 'default'" in log.read_text(errors="replace")
    timings["version + serve"] = time.perf_counter() - started

    started = time.perf_counter()
    assert "shipped with pcsim" in run([venv / "bin" / "pcsim", "replay", "--help"], work, env).stdout
    replayed = run([venv / "bin" / "pcsim", "replay", "-j", "2"], work, env)
    shipped = len(list((ROOT / "scenarios").rglob("*.yaml")))
    assert re.search(rf"^{shipped} passed, 0 failed$", replayed.stdout, re.M), replayed.stdout[-3000:]
    timings["replay"] = time.perf_counter() - started

    started = time.perf_counter()
    (work / "test_partner_tool.py").write_text(PARTNER_TOOL_TESTS, encoding="utf-8")
    tested = run([venv / "bin" / "python", "-m", "pytest", "-p", "no:cacheprovider", "test_partner_tool.py"], work, env)
    assert re.search(r"\b3 passed\b", tested.stdout), tested.stdout[-3000:]
    # The README's "testing your tool": the example partner tool's own suite, as its checkout has it.
    example = shutil.copytree(ROOT / "examples" / "ticket_sync", work / "ticket_sync")
    tested = run([venv / "bin" / "python", "-m", "pytest", "-p", "no:cacheprovider"], example, env)
    assert re.search(r"\b3 passed\b", tested.stdout), tested.stdout[-3000:]
    timings["plugin suites"] = time.perf_counter() - started
    sys.stderr.write("\n[wheel] " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()) + "\n")
