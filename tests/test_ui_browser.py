"""The training UI in a real browser: headless Chromium (Debian's) driven by Playwright, on a real port.

Each test starts from the default world, reset, with its clock frozen (the ``app`` fixture). The set-up
(the browser, skipped when it is missing) is in :mod:`tests.ui_browser_setup`. Screenshots of the main pages go
to a temporary folder; ``make screenshots`` writes them to ``docs/img/`` (shown in the README) instead.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

try:
    from playwright.sync_api import Page, expect
except ImportError:  # fail (never skip) with what to do
    raise ImportError(
        "The browser tests need the Python package `playwright` (the `test` extra): pip install -e '.[test]'"
    ) from None

from .ui_browser_setup import browser, chromium_executable, page  # noqa: F401  (fixtures)

README_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "img"  # tracked: rewritten only when asked


def screenshots_folder(environ=os.environ) -> Path:
    """Where the screenshots go: the folder PCSIM_SCREENSHOTS names (``make screenshots``: the README's pictures),
    else a temporary folder. A test run never rewrites tracked files."""
    return Path(environ.get("PCSIM_SCREENSHOTS") or Path(tempfile.gettempdir()) / "pcsim-screenshots")


IMAGES = screenshots_folder()


def screenshot(page: Page, name: str, top: str | None = None, hide: str | None = None) -> None:
    """``<IMAGES>/<name>.png``: the viewport (1280x800), scrolled to the element ``top`` (a CSS selector) or to
    the page's top. ``hide``: a selector of what changes from run to run (request ids), made invisible for the
    picture, so that a rerun writes the same bytes (the file is rewritten only when they differ)."""
    page.evaluate(
        """([top, hide]) => {
        document.activeElement && document.activeElement.blur();
        if (hide) document.querySelectorAll(hide).forEach(e => e.style.visibility = 'hidden');
        const element = top && document.querySelector(top);
        // instant: a smooth scroll (the stylesheet's, or the browser's) may still be moving when the picture is taken
        if (element) element.scrollIntoView({block: 'start', behavior: 'instant'});
        else window.scrollTo({top: 0, behavior: 'instant'});
    }""",
        [top, hide],
    )
    image = page.screenshot(animations="disabled", caret="hide")
    if hide:
        page.evaluate("hide => document.querySelectorAll(hide).forEach(e => e.style.visibility = '')", hide)
    IMAGES.mkdir(parents=True, exist_ok=True)
    target = IMAGES / f"{name}.png"
    if not target.exists() or target.read_bytes() != image:
        target.write_bytes(image)


def sign_in(page: Page, upn: str) -> None:
    """The persona switcher: one click on the user's "Sign in"."""
    page.goto("/ui/")
    page.get_by_role("button", name=f"Sign in as {upn}").click()
    expect(page.locator("header .who")).to_contain_text(upn)


def test_persona_switch(page: Page):
    page.goto("/ui/")
    expect(page.get_by_role("heading", name="Who are you today?")).to_be_visible()
    expect(page.get_by_role("heading", name="Partners")).to_be_visible()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text("Choose a persona")
    screenshot(page, "persona-switcher")

    page.get_by_role("button", name="Sign in as admin@northwindcloud.onmicrosoft.com").click()
    who = page.locator("header .who")
    expect(who).to_contain_text("Northwind Admin")
    expect(who).to_contain_text("Northwind Cloud")
    expect(who).to_contain_text("AdminAgent")

    # The switcher marks who you are; switching again changes the header.
    page.goto("/ui/")
    expect(page.locator("tr.current")).to_contain_text("admin@northwindcloud.onmicrosoft.com")
    page.get_by_role("button", name="Sign in as admin@tailspinit.onmicrosoft.com").click()
    expect(who).to_contain_text("Tailspin Admin")
    expect(who).to_contain_text("Tailspin IT")
    expect(who).not_to_contain_text("Northwind")


def open_customer(page: Page, name: str) -> None:
    """Partner Center > Customers > the customer's page."""
    page.get_by_role("navigation", name="Portals").get_by_role("link", name="Partner Center").click()
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_seed_procedure_end_to_end(page: Page):
    """Report a service problem on behalf of Contoso: health first (R5), then Service requests > New request
    for Microsoft 365 (R4), filed in the admin center (R9), seen in Partner Center with a note."""
    sign_in(page, "admin@northwindcloud.onmicrosoft.com")
    page.get_by_role("navigation", name="Portals").get_by_role("link", name="Partner Center").click()
    customers = page.get_by_role("table", name="Customers of Northwind Cloud")
    contoso = customers.get_by_role("row").filter(has=page.get_by_role("link", name="Contoso Ltd", exact=True))
    expect(contoso).to_contain_text("Direct provider")
    expect(contoso).to_contain_text("Northwind support")
    expect(contoso).to_contain_text("days to expiry")
    screenshot(page, "pc-customers")

    # 1. The customer's page: service health shows Exchange Online degraded, incident EX1001 (R5).
    contoso.get_by_role("link", name="Contoso Ltd", exact=True).click()
    expect(page.get_by_role("heading", name="Contoso Ltd", level=1)).to_be_visible()
    health = page.get_by_role("region", name="Service health")
    exchange = health.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Exchange Online"))
    expect(exchange).to_contain_text("serviceDegradation")
    expect(exchange).to_contain_text("EX1001")
    screenshot(page, "pc-customer-health", top="#health")

    # 2. Service requests > New request, Microsoft 365: Partner Center hands off to the admin center (R4).
    new_request = page.get_by_role("region", name="Service requests › New request")
    new_request.get_by_label("Workload").select_option(label="Microsoft 365")
    new_request.get_by_role("button", name="New request").click()
    expect(page.get_by_role("heading", name="New request: Microsoft 365")).to_be_visible()
    expect(page.locator("main")).to_contain_text("contoso.onmicrosoft.com")

    # 3. The admin center, in Contoso's tenant through GDAP: file with the partner's own contact (R9).
    page.get_by_role("link", name=re.compile(r"^Open .*admin center")).click()
    expect(page.get_by_role("heading", name="New service request · Contoso Ltd")).to_be_visible()
    expect(page.locator("main")).to_contain_text("in Contoso Ltd's tenant, through GDAP")
    screenshot(page, "m365-new-request")
    page.get_by_role("link", name="More...").click()  # every topic category of the workload
    expect(page.get_by_label("Data migration")).to_be_visible()
    page.get_by_role("link", name="Fewer topics").click()
    expect(page.get_by_label("Data migration")).to_have_count(0)
    form = page.locator("main form").filter(has=page.get_by_role("button", name="Contact support"))
    form.get_by_label("Email and calendar").check()
    form.get_by_label("Title").fill("Mail delayed")
    form.get_by_label("Description").fill("Since 06:30 UTC mail takes up to 30 minutes.")
    form.get_by_label("Name").fill("Ann Beebe")
    form.get_by_label("Email", exact=True).fill("ann@northwindcloud.onmicrosoft.com")
    form.get_by_role("button", name="Contact support").click()
    expect(page.get_by_role("status")).to_have_text("Your support request was created.")
    expect(page.get_by_role("heading", name=re.compile(r"^Service request .+: Mail delayed$"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ann Beebe, ann@northwindcloud.onmicrosoft.com")

    # 4. The same ticket in Partner Center's service requests; a note added there.
    page.get_by_role("navigation", name="Portals").get_by_role("link", name="Partner Center").click()
    page.get_by_role("link", name="Service requests", exact=True).click()
    expect(page.get_by_role("heading", name="Service requests", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Mail delayed")
    expect(row).to_have_count(1)
    screenshot(page, "pc-service-requests")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Mail delayed", level=1)).to_be_visible()
    page.get_by_label("Add a note").fill("Customer confirms the delay.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_contain_text("Note added")
    expect(page.locator("ol.notes")).to_contain_text("Customer confirms the delay.")

    # ...and the note is read back in the admin center, in "View all support tickets".
    page.get_by_role("navigation", name="Portals").get_by_role("link", name="Microsoft 365 admin").click()
    page.get_by_role("link", name="View all support tickets of Contoso Ltd", exact=True).click()
    expect(page.get_by_role("heading", name="Support tickets · Contoso Ltd")).to_be_visible()
    page.get_by_role("row").filter(has_text="Mail delayed").get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("Customer confirms the delay.")


def test_reseller_billing_ticket_refused_with_why(page: Page):
    """R6: Tailspin (indirect reseller) may not open a billing ticket on Woodgrove's Azure subscription; the
    page says so with the rule, the reason, the decision trace and the fix."""
    sign_in(page, "admin@tailspinit.onmicrosoft.com")
    page.get_by_role("navigation", name="Portals").get_by_role("link", name="Azure portal").click()
    page.get_by_role("link", name="Open Azure portal for Woodgrove Bank").click()
    expect(page.get_by_role("heading", name="Help + support · Woodgrove Bank")).to_be_visible()
    form = page.locator("main form").filter(has=page.get_by_role("button", name="Create"))
    # Pre-filled as the real form: the CSP support plan, the persona's own contact details.
    expect(form.get_by_label("Support plan")).to_have_value("Cloud Solution Provider")
    expect(form.get_by_label("Email")).to_have_value("admin@tailspinit.onmicrosoft.com")
    subscription = form.get_by_label("Subscription")
    subscription.select_option(subscription.locator("option", has_text="woodgrove-prod").get_attribute("value"))
    form.get_by_label("Problem type").select_option(
        label="Billing — Add or update VAT, tax id, PO number or profile information"
    )
    form.get_by_label("Title").fill("Invoice question")
    form.get_by_label("Description").fill("Please add our PO number to the invoice.")
    screenshot(page, "azure-support-form", top="#new-h")
    form.get_by_role("button", name="Create").click()

    why = page.get_by_role("region", name="Support request refused by R6")
    expect(why).to_be_visible()
    expect(why.locator(".reason")).to_contain_text("provider")
    expect(why.locator(".fix")).to_contain_text("the subscription's provider files billing")
    details = why.locator("details")
    expect(details.locator("summary")).to_have_text("Why? What was checked")
    expect(details).to_have_attribute("open", "")
    failed = details.locator("li.fail")
    expect(failed.first).to_contain_text("R6")
    expect(details.get_by_role("link", name="decision trace as text")).to_be_visible()
    screenshot(page, "denial-why", top="section.why", hide="section.why p.muted")


def support_options(page: Page, upn: str):
    sign_in(page, upn)
    page.get_by_role("navigation", name="Portals").get_by_role("link", name="Microsoft 365 admin").click()
    expect(page.get_by_role("heading", name="Your support options")).to_be_visible()
    return page.locator("main").get_by_role("list", name=re.compile("^Support options of "))


def test_trial_customer_sees_only_its_partner(page: Page):
    """R10: Adatum (CSP + a Direct *trial*) may only contact its partner."""
    options = support_options(page, "admin@adatum.onmicrosoft.com")
    expect(options.get_by_role("heading", name=re.compile("^Contact your partner: Northwind Cloud"))).to_be_visible()
    expect(options.get_by_role("listitem")).to_have_count(1)
    expect(options).not_to_contain_text("Microsoft Support")
    expect(page.locator("main")).to_contain_text("Your support options do not list Microsoft")
    screenshot(page, "m365-support-options-trial")


def test_paid_customer_may_also_ask_microsoft(page: Page):
    """R10: Litware (CSP + a paid Direct subscription) may contact its partner and open a request with Microsoft."""
    options = support_options(page, "admin@litware.onmicrosoft.com")
    expect(options.get_by_role("heading", name=re.compile("^Contact your partner: Northwind Cloud"))).to_be_visible()
    expect(options.get_by_role("listitem")).to_have_count(2)
    expect(options).to_contain_text("Open a service request with Microsoft")
    expect(page.locator("main")).not_to_contain_text("Your support options do not list Microsoft")
    screenshot(page, "m365-support-options")


def test_clock_advance_expires_gdap(page: Page):
    """Trainer: advance the clock 400 days; Northwind's GDAP relationship with Coho Winery (P365D from
    2025-09-01) has expired, and signing in to Coho's tenant is refused with that reason."""
    sign_in(page, "admin@northwindcloud.onmicrosoft.com")
    portals = page.get_by_role("navigation", name="Portals")
    portals.get_by_role("link", name="Partner Center").click()
    coho = page.get_by_role("row").filter(has=page.get_by_role("link", name="Coho Winery", exact=True))
    expect(coho).to_contain_text("active")
    expect(coho).to_contain_text("228 days to expiry")

    portals.get_by_role("link", name="Trainer").click()
    expect(page.get_by_role("heading", name="Trainer controls")).to_be_visible()
    screenshot(page, "trainer")
    page.get_by_role("region", name="The clock").get_by_role("button", name="400 days").click()
    expect(page.get_by_role("status")).to_contain_text("The clock moved.")
    expect(page.locator("header .clock")).to_contain_text("2027-02-19 09:00")

    portals.get_by_role("link", name="Partner Center").click()
    expect(coho).to_contain_text("expired")
    expect(coho).to_contain_text("ended 172 days ago")
    coho.get_by_role("link", name="Coho Winery", exact=True).click()
    expect(page.get_by_role("heading", name="Coho Winery", level=1)).to_be_visible()
    refused = page.get_by_role("region", name="Service health refused by GDAP")
    expect(refused.locator(".reason")).to_contain_text("AADSTS50020")
    expect(refused.locator(".reason")).to_contain_text("GDAP relationship 'Northwind read-only'")
    expect(refused.locator(".reason")).to_contain_text("is expired since 2026-09-01T00:00:00Z")
    expect(refused.locator("li.fail")).to_contain_text("expired")
    screenshot(page, "gdap-expired", top="#health", hide="section.why p.muted")


def test_screenshots_leave_the_readme_pictures_alone():
    """A test run writes its pictures to a temporary folder; only ``make screenshots`` (PCSIM_SCREENSHOTS) points
    them at the tracked docs/img/."""
    default = screenshots_folder({}).resolve()
    assert default != README_IMAGES and README_IMAGES not in default.parents
    assert screenshots_folder({"PCSIM_SCREENSHOTS": str(README_IMAGES)}) == README_IMAGES
