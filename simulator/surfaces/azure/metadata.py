"""ARM's cloud metadata document (``GET <arm>/metadata/endpoints?api-version=2022-09-01``), which ``az cloud
register --endpoint-resource-manager <arm>`` discovers a cloud from (azure-cli: ``_populate_from_metadata_endpoint``
in azure/cli/command_modules/cloud/custom.py, read by ``_arm_to_cli_mapper`` in azure/cli/core/cloud.py).

The real document's fields and values per cloud, with pcsim's own in three places: ``resourceManager`` (where the
document was asked for), ``authentication.loginEndpoint`` (pcsim's Entra ID authority host for this world:
the server's root for the default world, the world's own root for another, since MSAL takes an authority's first
path segment as the tenant) and nothing else: token audiences, Graph's and the other services' resource ids and
DNS suffixes are the real cloud's (pcsim's tokens carry the real audiences; it serves none of those services).
"""

from __future__ import annotations

REAL: dict[str, dict] = {
    "public": {
        "portal": "https://portal.azure.com",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "name": "AzureCloud",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": "https://management.azure.com/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/"
        "quickstart-templates/aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
    },
    "usgov": {
        "portal": "https://portal.azure.us",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.us",
            "audiences": ["https://management.core.usgovcloudapi.net/", "https://management.usgovcloudapi.net/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": "https://rest.media.usgovcloudapi.net",
        "graphAudience": "https://graph.microsoftazure.us/",
        "graph": "https://graph.microsoftazure.us/",
        "name": "AzureUSGovernment",
        "suffixes": {
            "acrLoginServer": "azurecr.us",
            "sqlServerHostname": "database.usgovcloudapi.net",
            "keyVaultDns": "vault.usgovcloudapi.net",
            "storage": "core.usgovcloudapi.net",
            "storageSyncEndpointSuffix": "afs.azure.us",
            "mhsmDns": "managedhsm.usgovcloudapi.net",
            "mysqlServerEndpoint": "mysql.database.usgovcloudapi.net",
            "postgresqlServerEndpoint": "postgres.database.usgovcloudapi.net",
            "mariadbServerEndpoint": "mariadb.database.usgovcloudapi.net",
            "synapseAnalytics": "dev.azuresynapse.usgovcloudapi.net",
        },
        "batch": "https://batch.core.usgovcloudapi.net/",
        "resourceManager": "https://management.usgovcloudapi.net/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/"
        "quickstart-templates/aliases.json",
        "sqlManagement": "https://management.core.usgovcloudapi.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.us/",
        "appInsightsResourceId": "https://api.applicationinsights.us",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.us/v2/track",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.usgovcloudapi.net",
        "logAnalyticsResourceId": "https://api.loganalytics.us",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.usgovcloudapi.net",
    },
}


def cloud_metadata(cloud: str, resource_manager: str, login_endpoint: str) -> dict:
    """The document for ``cloud``, pointing at pcsim's ARM (``resource_manager``) and sign-in (``login_endpoint``)."""
    real = REAL[cloud]
    return real | {
        "resourceManager": resource_manager,
        "authentication": real["authentication"] | {"loginEndpoint": login_endpoint},
    }
