// The two-gateway scenario of issue 6, played through the REST API of the requesting gateway with
// its national client's credentials (the demo client certificate), polling each exchange:
//   1. a BE doctor finds a LU patient (XCPD) and retrieves her Patient Summary, shown in French;
//   2. a BE pharmacy retrieves her ePrescription and dispenses it (XDR);
//   3. the LU national record shows the prescription dispensed;
//   4. a LU doctor retrieves a BE visitor's Patient Summary.
// Each step prints what happened; a failure names its step (ScenarioStepError).
import { request as httpsRequest } from "node:https";
import type { Dispensation, Identifier, MedicinalProduct, Patient } from "../src/canonical/model";
import { all, attr, first, readCda, readCoded, readPq, text } from "../src/documents/cda/cda-reader";
import { parseEPrescription } from "../src/documents/cda/parse-eprescription";
import { ErrorCode } from "../src/shared/errors";
import type { JobHcpUser, ListedDocument } from "../src/exchange/queue/jobs";
import { EmbeddedNationalStore } from "../src/national/embedded-store";
import type { NationalClientCredentials, TwoGateways } from "./two-gateways";

export class ScenarioStepError extends Error {
  constructor(
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`step "${step}" failed: ${message}`, options);
    this.name = "ScenarioStepError";
  }
}

/** LU demo patient with consent, a Patient Summary and ePrescriptions (src/national/demo/README.md). */
export const LU_PATIENT = { matricule: "1968101545978", ehdsiDomain: "1.3.182.2.12.10000734.6.1", name: "Marie Kieffer" };
/** BE demo patient (src/national/demo/BE/README.md). */
export const BE_PATIENT = { id: "58021512345", ehdsiDomain: "1.3.6.1.4.1.48336", name: "Pieter Claes" };

const TWO_FACTOR = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";
const DOCTOR_PERMISSIONS = ["PRD-006", "PRD-003", "PRD-004", "PRD-005", "PRD-010", "PRD-016"];

export const BE_DOCTOR: JobHcpUser = {
  nameId: "be-hcp-4711", subjectId: "Dr Lea Janssens", role: "2211", purposeOfUse: "TREATMENT",
  organization: "AZ Sint-Jan Brugge", organizationId: "urn:oid:1.3.6.1.4.1.48336.4.1", facilityType: "Hospital", locality: "Brugge",
  permissions: DOCTOR_PERMISSIONS, authnContext: TWO_FACTOR,
};
export const BE_PHARMACIST: JobHcpUser = {
  nameId: "be-pharm-12", subjectId: "Tom Peeters", role: "2262", purposeOfUse: "TREATMENT",
  organization: "Apotheek Centrum Brugge", organizationId: "urn:oid:1.3.6.1.4.1.48336.4.2", facilityType: "Pharmacy", locality: "Brugge",
  permissions: ["PRD-006", "PRD-004", "PRD-010", "PPD-046"], authnContext: TWO_FACTOR,
};
export const LU_DOCTOR: JobHcpUser = {
  nameId: "lu-hcp-2902", subjectId: "Dr Georges Feller", role: "2211", purposeOfUse: "TREATMENT",
  organization: "Cabinet médical Dr Feller", organizationId: "urn:oid:1.3.182.4.17.1", facilityType: "Resident Physician", locality: "Wiltz",
  permissions: DOCTOR_PERMISSIONS, authnContext: TWO_FACTOR,
};

export interface ExchangeView {
  readonly id: string;
  readonly state: string;
  readonly done: boolean;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly result?: unknown;
  readonly problem?: { status: number; code: string; detail: string; ehdsiCode?: string };
}

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One HTTPS call to a gateway's national listener with the national client's certificate. */
export function callApi(client: NationalClientCredentials, method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, client.baseUrl),
      {
        method,
        // A connection per call: a gateway restarted on the same port leaves no stale pooled socket behind.
        agent: false,
        ca: client.ca,
        cert: client.cert,
        key: client.key,
        headers: { accept: "application/json", ...(payload ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}), ...headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          if (/json/.test(String(res.headers["content-type"]))) parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export interface ScenarioOptions {
  /** Printed step by step. */
  readonly print?: (line: string) => void;
  /** Longest wait for one exchange (default 60 s). */
  readonly exchangeTimeoutMs?: number;
  /** Prefix of the client request ids (default: a per-run value, so a rerun on the same data starts new exchanges). */
  readonly requestIdPrefix?: string;
}

export interface ScenarioReport {
  /** Every exchange started, by request id, with its final state. */
  readonly exchanges: ReadonlyArray<{ readonly step: string; readonly id: string; readonly state: string; readonly attempts: number }>;
  readonly dispensedPrescriptionId: string;
  readonly luPrescriptionStatus: string;
}

/**
 * The products of a pivot eP's items, by item id (root^extension): what the demo pharmacy hands over
 * when it dispenses exactly what was prescribed (name, codes, dose form, ingredients, package).
 */
export function prescribedProducts(pivotXml: string): Map<string, MedicinalProduct> {
  const doc = readCda(pivotXml, { code: ErrorCode.DocumentInvalid });
  const out = new Map<string, MedicinalProduct>();
  for (const sa of all(doc, "//hl7:substanceAdministration[@moodCode='INT']")) {
    const idEl = first(sa, "hl7:id");
    const id = `${attr(idEl, "root") ?? ""}${attr(idEl, "extension") ? `^${attr(idEl, "extension")}` : ""}`;
    const m = first(sa, "hl7:consumable/hl7:manufacturedProduct/hl7:manufacturedMaterial");
    if (!m) continue;
    const code = readCoded(first(m, "hl7:code"));
    const atc = readCoded(first(m, "pharm:asSpecializedKind/pharm:generalizedMaterialKind/pharm:code"));
    const form = readCoded(first(m, "pharm:formCode"));
    const packageForm = readCoded(first(m, "pharm:asContent/pharm:containerPackagedProduct/pharm:formCode"));
    const packageQuantity = readPq(first(m, "pharm:asContent/pharm:quantity"), ErrorCode.DocumentInvalid);
    const product: MedicinalProduct = {
      name: text(first(m, "hl7:name")) ?? code?.display ?? "medicinal product",
      ...(code ? { code } : {}),
      ...(atc ? { atc } : {}),
      ...(form ? { doseForm: { coding: form } } : {}),
      ingredients: all(m, "pharm:ingredient").map((ing) => {
        const substance = readCoded(first(ing, "pharm:ingredientSubstance/pharm:code"));
        const numerator = readPq(first(ing, "pharm:quantity/hl7:numerator"), ErrorCode.DocumentInvalid);
        const denominator = readPq(first(ing, "pharm:quantity/hl7:denominator"), ErrorCode.DocumentInvalid);
        return {
          substance: substance ? { coding: substance } : { text: text(first(ing, "pharm:ingredientSubstance/pharm:name")) ?? "" },
          ...(numerator && denominator ? { strength: { numerator, denominator } } : {}),
        };
      }),
      ...(packageForm || packageQuantity ? { package: { ...(packageForm ? { form: { coding: packageForm } } : {}), ...(packageQuantity ? { quantity: packageQuantity } : {}) } } : {}),
    };
    out.set(id, product);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Section headings of an HTML rendering (what the clinician sees first). */
export function headingsOf(html: string): string[] {
  return [...html.matchAll(/<h2 id="section-[0-9]+">([^<]*)<\/h2>/g)].map((m) => m[1] ?? "");
}

export interface ScenarioStep {
  readonly title: string;
  run(): Promise<void>;
}

/** The scenario as steps, run in order (each uses what the previous ones found); `report` after the last. */
export function createScenario(two: TwoGateways, options: ScenarioOptions = {}): { readonly steps: readonly ScenarioStep[]; report(): ScenarioReport } {
  const print = options.print ?? (() => undefined);
  const timeoutMs = options.exchangeTimeoutMs ?? 60_000;
  const prefix = options.requestIdPrefix ?? `demo-${Date.now().toString(36)}`;
  const exchanges: { step: string; id: string; state: string; attempts: number }[] = [];
  let n = 0;

  /** Starts one exchange on `from`'s REST API and polls it to its end; its result, or the step fails. */
  async function exchange<R>(step: string, from: "LU" | "BE", operation: string, body: unknown): Promise<R> {
    const client = two.gateways[from].client;
    const requestId = `${prefix}-${++n}`;
    let accepted: HttpAnswer;
    try {
      accepted = await callApi(client, "POST", `/api/v1/exchanges/${operation}`, body, { "Idempotency-Key": requestId });
    } catch (e) {
      throw new ScenarioStepError(step, `POST ${operation} on the ${from} gateway: ${(e as Error).message}`, { cause: e });
    }
    if (accepted.status !== 202) throw new ScenarioStepError(step, `POST ${operation} answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    const view = accepted.body as ExchangeView;
    print(`    ${from} gateway accepted ${operation} → exchange ${view.id} (202)`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const polled = await callApi(client, "GET", `/api/v1/exchanges/${encodeURIComponent(view.id)}`);
      if (polled.status !== 200) throw new ScenarioStepError(step, `GET exchange ${view.id} answered ${polled.status}: ${JSON.stringify(polled.body)}`);
      const v = polled.body as ExchangeView;
      if (v.done) {
        exchanges.push({ step, id: v.id, state: v.state, attempts: v.attempts });
        if (v.state !== "completed") {
          const p = v.problem;
          throw new ScenarioStepError(step, `exchange ${v.id} ended ${v.state}${p ? `: ${p.code}${p.ehdsiCode ? ` (partner eHDSI error ${p.ehdsiCode})` : ""} ${p.detail}` : ""}`);
        }
        print(`    exchange ${v.id} completed (attempts: ${v.attempts})`);
        return v.result as R;
      }
      if (Date.now() > deadline) throw new ScenarioStepError(step, `exchange ${v.id} still ${v.state} after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async function discover(step: string, from: "LU" | "BE", country: string, requester: JobHcpUser, id: Identifier): Promise<Patient> {
    const r = await exchange<{ patients: Patient[] }>(step, from, "patient-discovery", { country, requester, identifiers: [id] });
    const patient = r.patients[0];
    if (!patient) throw new ScenarioStepError(step, `no patient found in ${country} for ${id.value}`);
    const name = patient.names[0];
    print(`    found: ${[...(name?.given ?? []), name?.family].filter(Boolean).join(" ")}, born ${patient.birthDate ?? "?"}, id ${patient.ids.map((i) => `${i.value}@${i.system}`).join(", ")}`);
    return patient;
  }

  async function list(step: string, from: "LU" | "BE", country: string, requester: JobHcpUser, patientId: Identifier, documentClass: "ps" | "ep"): Promise<ListedDocument[]> {
    const r = await exchange<{ documents: ListedDocument[] }>(step, from, "document-list", { country, requester, patientId, documentClass });
    print(`    ${r.documents.length} ${documentClass.toUpperCase()} document(s): ${r.documents.map((d) => `${d.documentUniqueId} (${d.level})`).join(", ")}`);
    return r.documents;
  }

  async function retrieve(step: string, from: "LU" | "BE", country: string, requester: JobHcpUser, patientId: Identifier, doc: ListedDocument, language: "fr" | "de" | "en") {
    const r = await exchange<{ pivotXml: string; translatedXml: string; html: string; language: string }>(step, from, "document-retrieve", {
      country, requester, patientId, documentClass: doc.documentClass, homeCommunityId: doc.homeCommunityId, repositoryUniqueId: doc.repositoryUniqueId, documentUniqueId: doc.documentUniqueId, language,
    });
    print(`    retrieved ${doc.documentUniqueId}: pivot ${r.pivotXml.length} bytes, translated (${r.language}) ${r.translatedXml.length} bytes, HTML ${r.html.length} bytes`);
    return r;
  }

  const firstL3 = (step: string, docs: ListedDocument[]) => {
    const d = docs.find((x) => x.level === "L3");
    if (!d) throw new ScenarioStepError(step, "the partner listed no L3 document");
    return d;
  };

  let luPatient: Patient | undefined;
  let luPatientId: Identifier | undefined;
  let nationalId = "";
  let status = "unknown";
  const luId: Identifier = { system: LU_PATIENT.ehdsiDomain, value: LU_PATIENT.matricule };

  const steps: ScenarioStep[] = [
    {
      title: "1. BE doctor retrieves a LU patient's Patient Summary (in French)",
      async run() {
        const step = this.title;
        luPatient = await discover(step, "BE", "LU", BE_DOCTOR, luId);
        luPatientId = luPatient.ids.find((i) => i.system === LU_PATIENT.ehdsiDomain) ?? luPatient.ids[0] ?? luId;
        const ps = await retrieve(step, "BE", "LU", BE_DOCTOR, luPatientId, firstL3(step, await list(step, "BE", "LU", BE_DOCTOR, luPatientId, "ps")), "fr");
        if (!/<html lang="fr">/.test(ps.html)) throw new ScenarioStepError(step, "the HTML rendering is not in French");
        print(`    shown in French, sections: ${headingsOf(ps.html).join(" | ")}`);
      },
    },
    {
      title: "2. BE pharmacy retrieves and dispenses a LU ePrescription",
      async run() {
        const step = this.title;
        if (!luPatient || !luPatientId) throw new ScenarioStepError(step, "step 1 did not find the patient");
        const patientId = luPatientId;
        const eps = await list(step, "BE", "LU", BE_PHARMACIST, patientId, "ep");
        const ep = await retrieve(step, "BE", "LU", BE_PHARMACIST, patientId, firstL3(step, eps), "fr");
        const prescription = parseEPrescription(ep.pivotXml);
        print(`    prescription ${prescription.id}: ${prescription.items.map((i) => `${i.productName ?? i.productCode?.display ?? i.id} × ${i.packages}`).join("; ")}`);
        const products = prescribedProducts(ep.pivotXml);
        const dispensation: Dispensation = {
          id: `${prefix}-ed-1`,
          prescriptionId: prescription.id,
          patient: luPatient,
          dispenser: { id: { system: "1.3.6.1.4.1.48336.5", value: "PH-12" }, name: { family: "Peeters", given: ["Tom"] }, role: { code: "2262", system: "2.16.840.1.113883.2.9.6.2.7", systemName: "ISCO", display: "Pharmacists" } },
          pharmacy: { id: { system: "1.3.6.1.4.1.48336.4", value: "APO-8000-2" }, name: "Apotheek Centrum Brugge", address: { lines: ["Steenstraat 1"], postalCode: "8000", city: "Brugge", country: "BE" } },
          time: new Date().toISOString(),
          items: prescription.items.map((i) => ({
            prescriptionItemId: i.id,
            product: products.get(i.id) ?? { name: i.productName ?? i.productCode?.display ?? "medicinal product", ...(i.productCode ? { code: i.productCode } : {}), ingredients: [] },
            packages: i.packages,
            substituted: false,
          })),
          language: "nl-BE",
        };
        const submitted = await exchange<{ documentUniqueId: string; status: string }>(step, "BE", "dispensation", {
          country: "LU", requester: BE_PHARMACIST, patientId, prescriptionId: prescription.id, dispensation,
        });
        print(`    eDispensation ${submitted.documentUniqueId} accepted by LU (${submitted.status})`);
        nationalId = prescription.id.includes("^") ? prescription.id.slice(prescription.id.indexOf("^") + 1) : prescription.id;
      },
    },
    {
      title: "3. the LU national record shows the prescription dispensed",
      async run() {
        const step = this.title;
        if (!nationalId) throw new ScenarioStepError(step, "step 2 dispensed nothing");
        const store = new EmbeddedNationalStore(two.gateways.LU.gateway.context.database);
        const luRecord = { system: "1.3.182.4.4", value: LU_PATIENT.matricule };
        const until = Date.now() + timeoutMs;
        while (Date.now() < until) {
          const p = await store.getPrescription(luRecord, nationalId);
          if (!p) throw new ScenarioStepError(step, `the LU national record has no prescription ${nationalId}`);
          status = p.status;
          if (status === "dispensed" || status === "partially-dispensed") break;
          await sleep(100); // a deferred delivery goes through LU's queue (deliver-dispensation)
        }
        if (status !== "dispensed" && status !== "partially-dispensed") throw new ScenarioStepError(step, `prescription ${nationalId} is ${status} in the LU record`);
        print(`    LU record: prescription ${nationalId} is ${status}`);
      },
    },
    {
      title: "4. LU doctor retrieves a BE visitor's Patient Summary",
      async run() {
        const step = this.title;
        const beId: Identifier = { system: BE_PATIENT.ehdsiDomain, value: BE_PATIENT.id };
        const bePatient = await discover(step, "LU", "BE", LU_DOCTOR, beId);
        const bePatientId = bePatient.ids.find((i) => i.system === BE_PATIENT.ehdsiDomain) ?? bePatient.ids[0] ?? beId;
        const bePs = await retrieve(step, "LU", "BE", LU_DOCTOR, bePatientId, firstL3(step, await list(step, "LU", "BE", LU_DOCTOR, bePatientId, "ps")), "fr");
        print(`    sections: ${headingsOf(bePs.html).join(" | ")}`);
      },
    },
  ];

  return {
    steps: steps.map((st) => ({ title: st.title, run: () => (print(`\n${st.title}`), st.run.call(st)) })),
    report: () => ({ exchanges, dispensedPrescriptionId: nationalId, luPrescriptionStatus: status }),
  };
}

/** Runs every step in order; throws the first ScenarioStepError. */
export async function playScenario(two: TwoGateways, options: ScenarioOptions = {}): Promise<ScenarioReport> {
  const scenario = createScenario(two, options);
  for (const step of scenario.steps) await step.run();
  return scenario.report();
}
