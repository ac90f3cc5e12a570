"""ticket-sync's tests: each runs the tool against a fresh pcsim world (pcsim's pytest plugin), signed in as the
default world's personas. Nothing here but the tool and its configuration: the same code runs against Microsoft."""

from __future__ import annotations

import pytest
from ticket_sync import PartnerTool, ToolError

PASSWORD = "Pcsim-Passw0rd!"  # every persona's password in pcsim's default world


def tool_for(world, username: str) -> PartnerTool:
    urls = world.base_urls
    return PartnerTool(urls["login"], urls["partnercenter"], urls["azure"], username.split("@")[1], username, PASSWORD)


def contoso_prod(tool: PartnerTool) -> str:
    subscriptions = tool.subscriptions("contoso.onmicrosoft.com")
    return next(s["subscriptionId"] for s in subscriptions if s["displayName"] == "contoso-prod")


def test_lists_files_and_reads_back(pcsim_world):
    tool = tool_for(pcsim_world, "admin@northwindcloud.onmicrosoft.com")
    assert "Contoso Ltd" in {c["companyProfile"]["companyName"] for c in tool.customers()}
    subscription = contoso_prod(tool)
    filed = tool.file_azure_ticket(
        "contoso.onmicrosoft.com",
        subscription,
        "VM will not start",
        "Since 06:30 UTC",
        "ann@northwindcloud.onmicrosoft.com",
    )
    again = tool.ticket("contoso.onmicrosoft.com", subscription, filed["name"])
    assert again["properties"]["title"] == "VM will not start"
    assert again["properties"]["supportPlanType"] == "Cloud Solution Provider"


def test_a_customer_contact_is_refused_as_microsoft_refuses_it(pcsim_world):
    tool = tool_for(pcsim_world, "admin@northwindcloud.onmicrosoft.com")
    with pytest.raises(ToolError) as refused:
        tool.file_azure_ticket("contoso.onmicrosoft.com", contoso_prod(tool), "VM", "x", "it@contoso.onmicrosoft.com")
    assert refused.value.status == 400  # R8: the contact must be the partner's


def test_a_partner_without_gdap_gets_no_token_for_the_customer(pcsim_world):
    tool = tool_for(pcsim_world, "admin@northwindcloud.onmicrosoft.com")
    with pytest.raises(ToolError) as refused:
        tool.token("https://management.azure.com/.default", tenant="tailwindtraders.onmicrosoft.com")
    assert "AADSTS50020" in refused.value.body["error_description"]
