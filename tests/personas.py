"""The default world's fixed personas (fixtures/README.md, docs/rules.md), as tests name them."""

from simulator.domain.catalog import AZURE_CLI_CLIENT_ID, ENTRA_ROLES
from simulator.worlds import ids

PASSWORD = "Pcsim-Passw0rd!"
CLI_CLIENT_ID = AZURE_CLI_CLIENT_ID
PC_SCOPE = "https://api.partnercenter.microsoft.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ARM_SCOPE = "https://management.azure.com/.default"

DOMAINS = {
    "northwind": "northwindcloud.onmicrosoft.com",
    "fabrikam": "fabrikamdist.onmicrosoft.com",
    "tailspin": "tailspinit.onmicrosoft.com",
    "proseware": "prosewarepartners.onmicrosoft.com",
    "wingtip": "wingtipadvisory.onmicrosoft.com",
    "relecloud": "relecloudgov.onmicrosoft.us",
    "contoso": "contoso.onmicrosoft.com",
    "adatum": "adatum.onmicrosoft.com",
    "litware": "litware.onmicrosoft.com",
    "fourthcoffee": "fourthcoffee.onmicrosoft.com",
    "nod": "nodpublishers.onmicrosoft.com",
    "tailwind": "tailwindtraders.onmicrosoft.com",
    "coho": "cohowinery.onmicrosoft.com",
    "alpine": "alpineskihouse.onmicrosoft.com",
    "woodgrove": "woodgrovebank.onmicrosoft.com",
    "lucerne": "lucernepublishing.onmicrosoft.com",
    "margie": "margiestravel.onmicrosoft.com",
    "humongous": "humongousgov.onmicrosoft.us",
}
PARTNERS = ("northwind", "fabrikam", "tailspin", "proseware", "wingtip", "relecloud")
CUSTOMERS = (
    "contoso",
    "adatum",
    "litware",
    "fourthcoffee",
    "nod",
    "tailwind",
    "coho",
    "alpine",
    "woodgrove",
    "lucerne",
    "margie",
    "humongous",
)
SUPPORT_ROLES = {ENTRA_ROLES["Service Support Administrator"], ENTRA_ROLES["Helpdesk Administrator"]}


def upn(tenant_key: str, user: str = "admin") -> str:
    return f"{user}@{DOMAINS[tenant_key]}"


def tid(tenant_key: str) -> str:
    return ids.tenant_id(tenant_key)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
