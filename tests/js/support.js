// @azure/arm-support (Microsoft.Support, api-version 2020-04-01) against pcsim's Azure surface, configured as its
// docs say for another ARM endpoint: `endpoint` = pcsim's /azure, `credentialScopes` = ARM's scope (by default the
// client asks for `<endpoint>/.default`, which Entra does not know). The credential: @azure/identity's
// UsernamePasswordCredential, the partner's user signing in to the customer's tenant (GDAP).
"use strict";
const { UsernamePasswordCredential } = require("@azure/identity");
const { MicrosoftSupport } = require("@azure/arm-support");
const { settings, run } = require("./common");

const { base, customerTenant, username, password, publicClientId, subscriptionId, ticketName, email } = settings;
// @azure/core-lro's poller: how often it polls a long-running create (pcsim sends no Retry-After).
const polling = { updateIntervalInMs: settings.pollIntervalMs || 2000 };
const credential = new UsernamePasswordCredential(customerTenant, publicClientId, username, password, {
  authorityHost: base,
  disableInstanceDiscovery: true,
});
const client = new MicrosoftSupport(credential, subscriptionId, {
  endpoint: `${base}/azure`,
  credentialScopes: ["https://management.azure.com/.default"],
});

async function all(iterator) {
  const items = [];
  for await (const item of iterator) items.push(item);
  return items;
}

const brief = (t) => ({
  name: t.name,
  supportTicketId: t.supportTicketId,
  title: t.title,
  status: t.status,
  severity: t.severity,
  serviceId: t.serviceId,
  problemClassificationId: t.problemClassificationId,
  supportPlanType: t.supportPlanType,
  email: t.contactDetails && t.contactDetails.primaryEmailAddress,
});

run({
  services: async () => {
    const services = await all(client.services.list());
    return services.map((s) => ({ id: s.id, name: s.name, displayName: s.displayName }));
  },
  problemClassifications: async (done) => {
    const service = done.services.find((s) => s.displayName === "Virtual Machine running Windows");
    const problems = await all(client.problemClassifications.list(service.name));
    return { service: service.name, items: problems.map((p) => ({ id: p.id, name: p.name })) };
  },
  nameAvailable: async () =>
    await client.supportTickets.checkNameAvailability({ name: ticketName, type: "Microsoft.Support/supportTickets" }),
  // Creates answer at once (200), or the long-running way (202, Azure-AsyncOperation, Location) in a world that
  // asks for it: the same call, @azure/core-lro's poller, completes both ways.
  create: async (done) => {
    const service = done.services.find((s) => s.name === done.problemClassifications.service);
    const created = await client.supportTickets.beginCreateAndWait(ticketName, {
      serviceId: service.id,
      problemClassificationId: done.problemClassifications.items[0].id,
      title: "VM does not start",
      description: "It fails after the last update.",
      severity: "moderate",
      contactDetails: {
        firstName: "Nadia",
        lastName: "Partner",
        preferredContactMethod: "email",
        primaryEmailAddress: email,
        preferredTimeZone: "Pacific Standard Time",
        country: "usa",
        preferredSupportLanguage: "en-US",
      },
    }, polling);
    return brief(created);
  },
  list: async () => (await all(client.supportTickets.list())).map(brief),
  listOpen: async () => (await all(client.supportTickets.list({ filter: "Status eq 'Open'" }))).map((t) => t.name),
  get: async () => brief(await client.supportTickets.get(ticketName)),
  communicate: async () => {
    const sent = await client.communications.beginCreateAndWait(ticketName, "note-a", {
      subject: "Boot log",
      body: "Attached the serial console log.",
    }, polling);
    const listed = await all(client.communications.list(ticketName));
    return {
      sent: { name: sent.name, direction: sent.communicationDirection, sender: sent.sender, subject: sent.subject },
      listed: listed.map((c) => ({ name: c.name, subject: c.subject })),
    };
  },
  denied: async () => {
    try {
      await client.supportTickets.get("no-such-ticket");
      return { status: 200 };
    } catch (err) {
      return { status: err.statusCode, code: err.code };
    }
  },
});
