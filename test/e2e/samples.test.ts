// The eHDSI sample requests of ../shared/ehdsi/soap (openncp, dk-templates, gematik): each request
// body, wrapped by the foreign gateway in a fresh envelope with freshly signed HCP (and TRC) assertions,
// gets a well-formed answer of its transaction (or a SOAP fault only for what this gateway does not
// serve), never a crash.
import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DOMParser, XMLSerializer, type Element } from "@xmldom/xmldom";
import { ehdsiPath } from "../helpers/ehdsi";
import { cx, NATIONAL_ROOT, startE2E, type E2E } from "./foreign-gateway";
import { value, values } from "./xpath";

const TRANSACTIONS: Record<string, { transaction: string; response: string }> = {
  PRPA_IN201305UV02: { transaction: "xcpd", response: "PRPA_IN201306UV02" },
  AdhocQueryRequest: { transaction: "xca-query", response: "AdhocQueryResponse" },
  RetrieveDocumentSetRequest: { transaction: "xca-retrieve", response: "RetrieveDocumentSetResponse" },
  ProvideAndRegisterDocumentSetRequest: { transaction: "xdr", response: "RegistryResponse" },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".xml") ? [join(dir, f)] : []));
}

/** The request element of a sample: the Body's child of an envelope (placeholders blanked), or the root. */
function requestOf(path: string): Element | undefined {
  const text = readFileSync(path, "utf8").replace(/\{\{[^}]*\}\}/g, "");
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(text, "text/xml");
  let root = doc.documentElement as unknown as Element | null;
  if (!root) return undefined;
  if (root.localName === "Envelope") {
    const body = Array.from(root.childNodes).find((c) => c.nodeType === 1 && (c as Element).localName === "Body") as Element | undefined;
    root = (body ? (Array.from(body.childNodes).find((c) => c.nodeType === 1) as Element | undefined) : undefined) ?? null;
  }
  return root && TRANSACTIONS[root.localName ?? ""] ? root : undefined;
}

/** The CX patient of an XCA query or XDR entry, for the TRC. */
function patientOf(serialized: string): string | undefined {
  const xml = serialized.replace(/&amp;/g, "&");
  const slot = /\$XDSDocumentEntryPatientId[\s\S]*?<[^>]*Value>\s*'?([^<']+)'?\s*</.exec(xml)?.[1];
  if (slot) return slot.trim();
  return /identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"[^>]*value="([^"]+)"/.exec(xml)?.[1] ?? /value="([^"]+)"[^>]*identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"/.exec(xml)?.[1];
}

function serviceOf(transaction: string, xml: string): string {
  if (transaction === "xcpd") return "xcpd";
  if (transaction === "xdr") return "ed";
  return /57833-6/.test(xml) ? "ep" : "ps";
}

describe("eHDSI sample requests, wrapped with fresh signed assertions", function () {
  this.timeout(300_000);
  let e: E2E;
  before(async () => {
    e = await startE2E();
  });
  after(async () => {
    await e?.stop();
  });

  const all = ["openncp", "dk-templates", "gematik"].flatMap((d) => files(ehdsiPath("soap", d)));
  const requests = all.map((path) => ({ path, request: requestOf(path) })).filter((r) => r.request !== undefined);

  it("finds request samples of every transaction", () => {
    const kinds = new Set(requests.map((r) => r.request!.localName));
    expect([...kinds]).to.have.members(Object.keys(TRANSACTIONS));
  });

  const SOPHIE = "1992031411227";
  /** The sample about our demo patient Sophie Weber: her matricule in XCPD, her CX in XCA queries. */
  function adapted(request: Element): string {
    const copy = request.cloneNode(true) as Element;
    for (const v of Array.from(copy.getElementsByTagNameNS("urn:hl7-org:v3", "livingSubjectId")).flatMap((l) => Array.from(l.getElementsByTagNameNS("urn:hl7-org:v3", "value")))) {
      v.setAttribute("root", NATIONAL_ROOT);
      v.setAttribute("extension", SOPHIE);
    }
    let xml = new XMLSerializer().serializeToString(copy);
    const patient = patientOf(xml);
    if (patient) xml = xml.split(patient).join(cx(SOPHIE)).split(patient.replace(/&/g, "&amp;")).join(cx(SOPHIE).replace(/&/g, "&amp;"));
    return xml;
  }

  for (const { path, request } of requests) {
    const name = path.slice(path.indexOf("/soap/") + 6);
    const kind = request!.localName!;
    if (kind !== "PRPA_IN201305UV02" && kind !== "AdhocQueryRequest") continue;
    it(`${name} about a demo patient: answered with her data`, async () => {
      const body = adapted(request!);
      const { transaction } = TRANSACTIONS[kind]!;
      const a = await e.send({ transaction, service: serviceOf(transaction, body), raw_body: body, ...(transaction !== "xcpd" ? { trc_patient: cx(SOPHIE) } : {}) });
      expect(a.status, a.envelope).to.equal(200);
      if (transaction === "xcpd") expect(value(a.envelope, "//hl7:queryAck/hl7:queryResponseCode/@code"), a.envelope.slice(0, 4000)).to.equal("OK");
      else {
        const status = value(a.envelope, "//query:AdhocQueryResponse/@status");
        const errs = values(a.envelope, "//rs:RegistryError/@errorCode");
        console.log(`      ${name} (Sophie): ${status?.split(":").pop()} ${values(a.envelope, "//rim:ExtrinsicObject").length} entries ${errs.join(", ")}`);
        expect(status === "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success" || errs.length > 0).to.equal(true);
      }
    });
  }

  for (const { path, request } of requests) {
    const name = path.slice(path.indexOf("/soap/") + 6);
    it(`${name}: a well-formed ${TRANSACTIONS[request!.localName!]!.transaction} answer`, async () => {
      const body = new XMLSerializer().serializeToString(request!);
      const { transaction, response } = TRANSACTIONS[request!.localName!]!;
      const patient = patientOf(body);
      const a = await e.send({ transaction, service: serviceOf(transaction, body), raw_body: body, ...(transaction !== "xcpd" ? { trc_patient: patient ?? "1992031411227^^^&1.3.182.4.4&ISO" } : {}) });
      expect(a.parse_error, a.envelope).to.equal(undefined);
      const fault = value(a.envelope, "//env:Fault/env:Code/env:Value");
      const local = value(a.envelope, "local-name(/env:Envelope/env:Body/*)");
      if (fault) {
        // Only what this gateway does not serve may be a fault (e.g. a query other than FindDocuments).
        expect(a.status, a.envelope).to.equal(400);
        console.log(`      ${name}: fault ${fault}: ${value(a.envelope, "//env:Reason/env:Text")?.slice(0, 160)}`);
      } else {
        expect(a.status).to.equal(200);
        expect(local).to.equal(response);
        const errs = values(a.envelope, "//rs:RegistryError/@errorCode | //hl7:acknowledgementDetail/hl7:code/@code | //hl7:detectedIssueManagement/hl7:code/@code");
        console.log(`      ${name}: ${response}${errs.length ? ` (${errs.join(", ")}: ${values(a.envelope, "//rs:RegistryError/@codeContext").join(" / ").slice(0, 200)})` : ""}`);
      }
    });
  }
});
