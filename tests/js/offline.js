// Preloaded by the tests (`node --require ./offline.js`): nothing leaves this machine. A look-up of any host name
// other than localhost fails, and is reported in the script's answer (common.js: `lookedUp`), so a client that
// swallowed the error (instance discovery, say) still fails the test.
"use strict";
const dns = require("node:dns");

const LOCAL = new Set(["localhost", "127.0.0.1", "::1"]);
globalThis.pcsimLookedUp = [];
const realLookup = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  if (!LOCAL.has(hostname)) {
    globalThis.pcsimLookedUp.push(hostname);
    const err = Object.assign(new Error(`no internet in the tests (${hostname})`), { code: "ENOTFOUND", hostname });
    const done = typeof options === "function" ? options : callback;
    process.nextTick(done, err);
    return {};
  }
  return realLookup.call(this, hostname, options, callback);
};
