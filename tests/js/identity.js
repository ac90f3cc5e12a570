// @azure/identity against pcsim, configured as its docs say for another authority host: `authorityHost` = pcsim's
// address (or AZURE_AUTHORITY_HOST), `disableInstanceDiscovery: true` (no question to login.microsoftonline.com),
// the tenant by id or domain. pcsim's CA: NODE_EXTRA_CA_CERTS.
"use strict";
const { ClientSecretCredential, UsernamePasswordCredential } = require("@azure/identity");
const { settings, claims, run } = require("./common");

const { base, partnerTenant, customerTenant, username, password, publicClientId, appId, appSecret, scope } =
  settings;
const options = { authorityHost: base, disableInstanceDiscovery: true };

function brief(token) {
  const c = claims(token.token);
  return { tid: c.tid, iss: c.iss, aud: c.aud, idtyp: c.idtyp, wids: c.wids || [], expiresOn: token.expiresOnTimestamp };
}

run({
  clientSecret: async () => {
    const credential = new ClientSecretCredential(partnerTenant, appId, appSecret, options);
    return brief(await credential.getToken(scope));
  },
  usernamePassword: async () => {
    const credential = new UsernamePasswordCredential(customerTenant, publicClientId, username, password, options);
    const first = await credential.getToken(scope);
    const again = await credential.getToken(scope); // from MSAL's cache: the same token
    return { ...brief(first), sameAgain: again.token === first.token };
  },
  wrongSecret: async () => {
    const credential = new ClientSecretCredential(partnerTenant, appId, "not-the-secret", options);
    try {
      await credential.getToken(scope);
      return { refused: false };
    } catch (err) {
      return { refused: true, name: err.name, message: String(err.message).slice(0, 500) };
    }
  },
});
