"""The Swagger UI pages under /docs render in a real browser with no network: every script, style sheet and
document they load comes from pcsim itself (swagger-ui-bundle's files), and any other request is refused."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # fail (never skip) with what to do
    raise ImportError(
        "The browser tests need the Python package `playwright` (the `test` extra): pip install -e '.[test]'"
    ) from None

from .ui_browser_setup import browser, chromium_executable, page  # noqa: F401  (fixtures)

TITLES = {
    "partnercenter": "Partner Center (pcsim)",
    "graph": "Microsoft Graph (pcsim)",
    "azure": "Azure Resource Manager (pcsim)",
    "m365admin": "Microsoft 365 admin support (pcsim)",
    "login": "Entra ID sign-in (pcsim)",
    "sim": "pcsim control plane",
}


@pytest.mark.parametrize("key", sorted(TITLES))
def test_swagger_ui_renders_offline(page, live_server, key):
    own = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def only_pcsim(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:  # the network is not there: a page that needs it would stay blank
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_pcsim)
    page.goto(f"/docs/{key}/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(TITLES[key])
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert elsewhere == []
