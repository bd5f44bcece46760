// Country A XDR end to end over mutual TLS (foreign_gateway.py): an eDispensation for a demo
// prescription submitted (inline and MTOM), resubmitted (same answer, dispensed once), discarded (the
// prescription is dispensable again); consent denied; unknown prescription; the foreign eDs of
// ../shared/ehdsi adapted to a demo prescription, each accepted or refused for a stated reason; and
// the national adapter killed mid-XDR: stored, answered deferred, delivered once by the queue.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { DOMParser, XMLSerializer, type Element } from "@xmldom/xmldom";
import { GATEWAY_MODULES } from "../../src/app/modules";
import { auditTrailOf } from "../../src/audit/module";
import { documentContextFromConfig, terminologyFromConfig } from "../../src/app/documents";
import type { Prescription } from "../../src/canonical/model";
import { countryAOf, createCountryAModule, countryAModule } from "../../src/soap/module";
import { buildEDispensationL3 } from "../../src/documents/cda/edispensation";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import type { NationalRecords } from "../../src/national/port";
import { ehdsiPath } from "../helpers/ehdsi";
import { cx, NATIONAL_ROOT, startE2E, type E2E, type ForeignAnswer } from "./foreign-gateway";
import { value, values } from "./xpath";

const MARIE = "1968101545978";
const HENRI = "1937010112347";
const SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success";
const FAILURE = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure";
const HL7 = "urn:hl7-org:v3";

const status = (a: ForeignAnswer) => value(a.envelope, "//rs:RegistryResponse/@status");
const errors = (a: ForeignAnswer) => values(a.envelope, "//rs:RegistryError/@errorCode");

function nationalOf(e: E2E): EmbeddedNationalStore {
  return new EmbeddedNationalStore(e.gateway.context.database);
}

async function dispensable(e: E2E, matricule: string): Promise<Prescription> {
  const list = await nationalOf(e).listPrescriptions({ system: NATIONAL_ROOT, value: matricule });
  const p = list.find((x) => (x.status === "active" || x.status === "partially-dispensed") && x.items.every((i) => i.packages - i.packagesDispensed >= 1));
  if (!p) throw new Error(`no dispensable prescription for ${matricule}`);
  return p;
}

function eDispensation(e: E2E, p: Prescription, id: string): string {
  const ctx = documentContextFromConfig(e.gateway.context.config, terminologyFromConfig(e.gateway.context.config));
  return buildEDispensationL3(
    {
      id, prescriptionId: p.id, patient: p.patient,
      dispenser: { id: { system: "1.2.208.176.1.5", value: "PH-7" }, name: { family: "Jensen", given: ["Ida"] }, role: { code: "2262", system: "2.16.840.1.113883.2.9.6.2.7", display: "Pharmacists" } },
      pharmacy: { id: { system: "1.2.208.176.1.6", value: "APOTEK-7" }, name: "Apotek", address: { lines: ["Gade 1"], city: "København", country: "DK" } },
      time: new Date().toISOString(),
      items: p.items.map((i) => ({ prescriptionItemId: i.id, product: i.product, packages: 1, substituted: false })),
      language: "da-DK",
    },
    ctx,
    p,
  );
}

async function dispensed(e: E2E, matricule: string, id: string): Promise<number[]> {
  const p = await nationalOf(e).getPrescription({ system: NATIONAL_ROOT, value: matricule }, id);
  return p!.items.map((i) => i.packagesDispensed);
}

const submit = (e: E2E, matricule: string, uniqueId: string, xml: string, extra: Record<string, unknown> = {}) =>
  e.send({ transaction: "xdr", service: "ed", hcp: { role: "2262" }, patient: cx(matricule), trc_patient: cx(matricule), unique_id: uniqueId, document_b64: Buffer.from(xml).toString("base64"), ...extra });

describe("country A XDR end to end (mutual TLS, foreign gateway in Python + xmlsec)", function () {
  this.timeout(300_000);

  describe("submit, resubmit, discard", () => {
    let e: E2E;
    before(async () => {
      e = await startE2E();
    });
    after(async () => {
      await e?.stop();
    });

    for (const mtom of [false, true]) {
      it(`submits (${mtom ? "MTOM" : "inline"}), resubmits (same answer, dispensed once), discards`, async () => {
        const p = await dispensable(e, MARIE);
        const before = p.items.map((i) => i.packagesDispensed);
        const id = `1.2.208.176.7.2.3^ED-${mtom}-${Date.now()}`;
        const xml = eDispensation(e, p, id);
        const first = await submit(e, MARIE, id, xml, { mtom });
        expect(first.action).to.equal("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse");
        expect(first.relates_to).to.equal(first.message_id);
        expect(status(first), first.envelope).to.equal(SUCCESS);
        expect(errors(first)).to.deep.equal([]);
        expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before.map((n) => n + 1));

        const again = await submit(e, MARIE, id, xml, { mtom: !mtom });
        expect(status(again)).to.equal(SUCCESS);
        expect(errors(again)).to.deep.equal(errors(first));
        expect(await dispensed(e, MARIE, p.id), "dispensed once").to.deep.equal(before.map((n) => n + 1));

        const discard = await submit(e, MARIE, id, xml, { discard: true, mtom });
        expect(status(discard), discard.envelope).to.equal(SUCCESS);
        expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before);
      });
    }

    it("each submission and discard is audited (EHDSI-41 / EHDSI-42)", async () => {
      const trail = auditTrailOf(e.gateway.context);
      await trail.flush();
      const events = (await trail.query({ types: ["EHDSI-41", "EHDSI-42"], limit: 1000 })).events;
      expect(events.filter((ev) => ev.type === "EHDSI-41" && ev.outcome === "success").length).to.be.greaterThanOrEqual(4);
      expect(events.filter((ev) => ev.type === "EHDSI-42" && ev.outcome === "success").length).to.be.greaterThanOrEqual(2);
      expect(events.every((ev) => ev.who?.partnerCountry === "DK" && ev.who?.role === "2262")).to.equal(true);
    });

    it("consent denied: Failure ERROR_ED_NO_CONSENT, nothing dispensed", async () => {
      const p = await dispensable(e, HENRI);
      const id = `1.2.208.176.7.2.3^ED-henri-${Date.now()}`;
      const a = await submit(e, HENRI, id, eDispensation(e, p, id));
      expect(status(a)).to.equal(FAILURE);
      expect(errors(a)).to.deep.equal(["ERROR_ED_NO_CONSENT"]);
      expect(await dispensed(e, HENRI, p.id)).to.deep.equal(p.items.map((i) => i.packagesDispensed));
    });

    it("an unknown prescription: Failure ERROR_EP_NOT_FOUND", async () => {
      const p = await dispensable(e, MARIE);
      const id = `1.2.208.176.7.2.3^ED-unknown-${Date.now()}`;
      const a = await submit(e, MARIE, id, eDispensation(e, { ...p, id: "RX-DOES-NOT-EXIST" }, id));
      expect(status(a)).to.equal(FAILURE);
      expect(errors(a)).to.deep.equal(["ERROR_EP_NOT_FOUND"]);
    });

    it("a dispensed prescription: Failure ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", async () => {
      const list = await nationalOf(e).listPrescriptions({ system: NATIONAL_ROOT, value: MARIE });
      const done = list.find((x) => x.status === "dispensed")!;
      const id = `1.2.208.176.7.2.3^ED-done-${Date.now()}`;
      const a = await submit(e, MARIE, id, eDispensation(e, done, id));
      expect(errors(a)).to.deep.equal(["ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION"]);
    });

    describe("foreign eDispensations adapted to a demo prescription", () => {
      const dir = ehdsiPath("cda", "edispensation-foreign");
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".xml")).sort()) {
        it(`${file}: accepted, or refused for a stated reason`, async () => {
          const p = await dispensable(e, MARIE);
          const doc = new DOMParser().parseFromString(readFileSync(`${dir}/${file}`, "utf8"), "text/xml");
          const root = doc.documentElement as unknown as Element;
          const id = `ED-${file.replace(/\W/g, "")}-${Date.now()}`;
          const byPath = (parent: Element, ...names: string[]): Element[] => {
            let level: Element[] = [parent];
            for (const n of names) level = level.flatMap((e) => Array.from(e.childNodes).filter((c): c is Element => c.nodeType === 1 && (c as Element).localName === n));
            return level;
          };
          byPath(root, "id")[0]?.setAttribute("root", "1.2.208.176.7.2.3");
          byPath(root, "id")[0]?.setAttribute("extension", id);
          const pid = byPath(root, "recordTarget", "patientRole", "id")[0]!;
          pid.setAttribute("root", NATIONAL_ROOT);
          pid.setAttribute("extension", MARIE);
          for (const o of byPath(root, "inFulfillmentOf", "order", "id")) o.setAttribute("extension", p.id);
          const supplies = Array.from(root.getElementsByTagNameNS(HL7, "supply"));
          supplies.forEach((s, i) => {
            const item = p.items[Math.min(i, p.items.length - 1)]!;
            for (const ref of byPath(s as unknown as Element, "entryRelationship", "substanceAdministration", "id")) ref.setAttribute("extension", item.id);
            const q = byPath(s as unknown as Element, "quantity")[0];
            if (q && /^\d+(\.\d+)?$/.test(q.getAttribute("value") ?? "")) q.setAttribute("value", "1");
          });
          const xml = new XMLSerializer().serializeToString(doc);
          const uniqueId = `1.2.208.176.7.2.3^${id}`;
          const before = await dispensed(e, MARIE, p.id);
          const a = await submit(e, MARIE, uniqueId, xml);
          expect(a.status).to.equal(200);
          const s = status(a);
          expect([SUCCESS, FAILURE]).to.include(s);
          if (s === FAILURE) {
            const reason = value(a.envelope, "//rs:RegistryError/@codeContext");
            expect(reason, "a refusal states its reason").to.be.a("string").and.not.equal("");
            console.log(`      ${file}: refused — ${errors(a).join(", ")}: ${reason!.slice(0, 220)}`);
            expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before);
          } else {
            console.log(`      ${file}: accepted`);
            await submit(e, MARIE, uniqueId, xml, { discard: true });
          }
          if (file === "dispensation_bad_1.xml") expect(s).to.equal(FAILURE);
        });
      }
    });
  });

  describe("the national adapter killed mid-XDR", () => {
    let e: E2E;
    let mode: "hang" | "ok" = "hang";
    let hungCalls = 0;
    const releases: Array<() => void> = [];
    before(async () => {
      const flaky = createCountryAModule({
        nationalTimeoutMs: 400,
        national: (ctx) => {
          const store = new EmbeddedNationalStore(ctx.database);
          return new Proxy(store, {
            get(target, prop, receiver) {
              const v = Reflect.get(target, prop, receiver) as unknown;
              if (prop !== "recordDispensation" || typeof v !== "function") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
              return (...args: unknown[]) => {
                if (mode === "ok") return (v as (...a: unknown[]) => unknown).apply(target, args);
                hungCalls += 1;
                // The adapter hangs, then its connection dies: an error long after the deadline.
                return new Promise((_resolve, reject) => releases.push(() => reject(new Error("national adapter killed"))));
              };
            },
          }) as NationalRecords;
        },
      });
      e = await startE2E({ modules: GATEWAY_MODULES.map((m) => (m === countryAModule ? flaky : m)) });
    });
    after(async () => {
      for (const r of releases) r();
      await e?.stop();
    });

    it("stores, answers deferred (Success + DISPENSATION_DEFERRED), delivers exactly once", async () => {
      const p = await dispensable(e, MARIE);
      const before = p.items.map((i) => i.packagesDispensed);
      const id = `1.2.208.176.7.2.3^ED-killed-${Date.now()}`;
      const xml = eDispensation(e, p, id);
      const first = await submit(e, MARIE, id, xml);
      expect(status(first), first.envelope).to.equal(SUCCESS);
      expect(errors(first)).to.deep.equal(["DISPENSATION_DEFERRED"]);
      expect(value(first.envelope, "//rs:RegistryError/@severity")).to.equal("urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning");
      const { ports } = countryAOf(e.gateway.context);
      expect((await ports.dispensations.get(id))!.state).to.equal("deferred");
      // The adapter dies; a resubmission gets the same answer and dispenses nothing.
      for (const r of releases.splice(0)) r();
      const again = await submit(e, MARIE, id, xml);
      expect(errors(again)).to.deep.equal(["DISPENSATION_DEFERRED"]);
      expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before);
      // The national system comes back: the queued job delivers it (retry with backoff), once.
      mode = "ok";
      const deadline = Date.now() + 60_000;
      while ((await ports.dispensations.get(id))!.state !== "delivered" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await ports.dispensations.get(id))!.state).to.equal("delivered");
      expect(hungCalls).to.be.greaterThanOrEqual(1);
      expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before.map((n) => n + 1));
      // Once more, after delivery: still the stored answer, still dispensed once.
      await submit(e, MARIE, id, xml);
      expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before.map((n) => n + 1));
    });

    it("the gateway stops before delivery: after a restart the stored dispensation is delivered, once", async () => {
      mode = "hang";
      const p = await dispensable(e, MARIE);
      const before = p.items.map((i) => i.packagesDispensed);
      const id = `1.2.208.176.7.2.3^ED-restart-${Date.now()}`;
      const xml = eDispensation(e, p, id);
      const first = await submit(e, MARIE, id, xml);
      expect(errors(first)).to.deep.equal(["DISPENSATION_DEFERRED"]);
      for (const r of releases.splice(0)) r();
      // Restart with the ordinary national adapter (the national system is back).
      await e.restart(GATEWAY_MODULES);
      const { ports } = countryAOf(e.gateway.context);
      const deadline = Date.now() + 60_000;
      while ((await ports.dispensations.get(id))!.state !== "delivered" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await ports.dispensations.get(id))!.state).to.equal("delivered");
      expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before.map((n) => n + 1));
      const again = await submit(e, MARIE, id, xml);
      expect(status(again)).to.equal(SUCCESS);
      expect(await dispensed(e, MARIE, p.id)).to.deep.equal(before.map((n) => n + 1));
      await submit(e, MARIE, id, xml, { discard: true });
    });
  });
});
