// Shared by the scripts here: the test's settings (JSON in argv[2]) and the JSON answer on stdout.
"use strict";

const settings = JSON.parse(process.argv[2] || "{}");

// Claims of a JWT, unverified: what the test asserts on (pcsim's signature is checked by pcsim, and by the
// Python tests against its JWKS).
function claims(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

// Runs each named step in order; an error is recorded (name, code, message) and ends the run. The answer is one
// JSON object on stdout: {steps: {name: result}, error: {...} | null, lookedUp: [host names offline.js refused]}.
async function run(steps) {
  const out = { steps: {}, error: null };
  for (const [name, step] of Object.entries(steps)) {
    try {
      out.steps[name] = await step(out.steps);
    } catch (err) {
      out.error = {
        step: name,
        name: err && err.name,
        code: err && (err.errorCode || err.code),
        statusCode: err && err.statusCode,
        message: String((err && err.message) || err).slice(0, 2000),
      };
      break;
    }
  }
  out.lookedUp = globalThis.pcsimLookedUp || [];
  process.stdout.write(JSON.stringify(out));
}

module.exports = { settings, claims, run };
