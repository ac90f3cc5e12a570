// @azure/msal-node against pcsim: a public client's username/password (ROPC) sign-in and a confidential client's
// client credentials, configured as msal-node's docs say for an authority that is not Microsoft's own cloud:
// `authority` = pcsim's host and the tenant, `knownAuthorities` = [that host] (so msal-node asks pcsim's OpenID
// configuration instead of login.microsoftonline.com's instance discovery). pcsim's CA: NODE_EXTRA_CA_CERTS.
"use strict";
const msal = require("@azure/msal-node");
const { settings, claims, run } = require("./common");

const { base, partnerTenant, customerTenant, username, password, publicClientId, appId, appSecret, scope } =
  settings;
const host = new URL(base).host;

function brief(result) {
  const c = claims(result.accessToken);
  return { tid: c.tid, iss: c.iss, aud: c.aud, idtyp: c.idtyp, wids: c.wids || [], fromCache: result.fromCache };
}

run({
  publicClientPassword: async () => {
    const pca = new msal.PublicClientApplication({
      auth: { clientId: publicClientId, authority: `${base}/${customerTenant}`, knownAuthorities: [host] },
    });
    const first = await pca.acquireTokenByUsernamePassword({ username, password, scopes: [scope] });
    const accounts = await pca.getTokenCache().getAllAccounts();
    const silent = await pca.acquireTokenSilent({ account: first.account, scopes: [scope] });
    return { first: brief(first), accounts: accounts.length, silent: brief(silent) };
  },
  confidentialClient: async () => {
    const cca = new msal.ConfidentialClientApplication({
      auth: {
        clientId: appId,
        clientSecret: appSecret,
        authority: `${base}/${partnerTenant}`,
        knownAuthorities: [host],
      },
    });
    const first = await cca.acquireTokenByClientCredential({ scopes: [scope] });
    const again = await cca.acquireTokenByClientCredential({ scopes: [scope] });
    return { first: brief(first), again: brief(again) };
  },
});
