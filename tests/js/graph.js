// @microsoft/microsoft-graph-client against pcsim's Graph, configured as its docs say: `baseUrl` = pcsim's /graph
// (the client adds the version, v1.0), `customHosts` = pcsim's host name (the client attaches the token only to
// Graph's own hosts and these), an auth provider from @azure/identity (TokenCredentialAuthenticationProvider).
// Node 20's own fetch: no polyfill. pcsim's CA: NODE_EXTRA_CA_CERTS.
"use strict";
const { Client } = require("@microsoft/microsoft-graph-client");
const { TokenCredentialAuthenticationProvider } = require(
  "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials",
);
const { UsernamePasswordCredential } = require("@azure/identity");
const { settings, run } = require("./common");

const { base, partnerTenant, customerTenant, username, password, publicClientId, newCustomerTenantId, roleIds } =
  settings;

function graph(tenant) {
  const credential = new UsernamePasswordCredential(tenant, publicClientId, username, password, {
    authorityHost: base,
    disableInstanceDiscovery: true,
  });
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: ["https://graph.microsoft.com/.default"],
  });
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: `${base}/graph/`,
    customHosts: new Set([new URL(base).hostname]),
  });
}

const partner = graph(partnerTenant);
const relationships = "/tenantRelationships/delegatedAdminRelationships";

run({
  listRelationships: async () => {
    const page = await partner.api(relationships).get();
    return page.value.map((r) => ({ id: r.id, status: r.status, customer: r.customer && r.customer.tenantId }));
  },
  createRelationship: async () => {
    const created = await partner.api(relationships).post({
      displayName: "Northwind support (JavaScript)",
      duration: "P180D",
      customer: { tenantId: newCustomerTenantId },
      accessDetails: { unifiedRoles: roleIds.map((id) => ({ roleDefinitionId: id })) },
    });
    const got = await partner.api(`${relationships}/${created.id}`).get();
    return {
      id: created.id,
      status: created.status,
      duration: created.duration,
      customer: created.customer.tenantId,
      roles: created.accessDetails.unifiedRoles.map((r) => r.roleDefinitionId),
      gotStatus: got.status,
    };
  },
  healthOverviews: async () => {
    const page = await graph(customerTenant).api("/admin/serviceAnnouncement/healthOverviews").expand("issues").get();
    return page.value.map((s) => ({ id: s.id, status: s.status, issues: (s.issues || []).map((i) => i.id) }));
  },
  denied: async () => {
    try {
      await partner.api(`${relationships}/no-such-relationship`).get();
      return { statusCode: 200 };
    } catch (err) {
      return { statusCode: err.statusCode, code: err.code };
    }
  },
});
