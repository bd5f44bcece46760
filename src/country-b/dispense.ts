// Dispensing a foreign ePrescription here (issue 6): our pharmacy handed medicines over against the
// visitor's eP; Passerelle builds the pivot eDispensation (eHDSI eD L3) and submits it to the
// visitor's country by XDR ITI-41 (EHDSI-41).
//
// Re-checked when the job runs (queue rule): the eP is looked up again at the partner (XCA list +
// retrieve, seal and patient verified) and the dispensation is checked against it — known items,
// no more packages than prescribed, substitution only where allowed; ids are written back in the
// eP's own root^extension form (eD inFulfillmentOf/order/id, REFR item ids).
// When the partner no longer lists the eP (already dispensed — possibly by an earlier run of this
// very job that died before recording its outcome), the eD is still submitted: it keeps its unique
// id, so the partner answers a repeat with its stored answer and anything else with its refusal
// (4106 / ERROR_EP_NOT_FOUND). The partner stays the authority on its prescriptions.
import { createHash } from "node:crypto";
import type { Dispensation, Identifier } from "../canonical/model";
import { buildEDispensationL3 } from "../documents/cda/edispensation";
import { modelIdToIi } from "../documents/cda/medication-entry";
import { parseEPrescription, type ForeignPrescription } from "../documents/cda/parse-eprescription";
import type { XdrSubmitPayload } from "../exchange/queue/jobs";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { findDocuments, submitDocument } from "../soap/client/initiators";
import { issueAssertions } from "./assertions";
import { audited } from "./audited";
import type { CountryBDeps, ExchangeRun } from "./deps";
import { cxOf, initiatorCall, retrieveVerified } from "./exchanges";
import type { SubmitDispensationResult } from "./results";

const extensionOf = (id: string) => (id.includes("^") ? id.slice(id.indexOf("^") + 1) : id);
const sameId = (a: string, b: string) => a === b || extensionOf(a) === extensionOf(b);

function invalid(message: string, location: string): PasserelleError {
  return new PasserelleError(ErrorCode.DispensationInvalid, message, { location });
}

/** The dispensation checked against the eP, with the eP's ids. */
export function againstPrescription(d: Dispensation, p: ForeignPrescription): Dispensation {
  const items = d.items.map((item, i) => {
    const prescribed = p.items.find((pi) => sameId(pi.id, item.prescriptionItemId));
    if (!prescribed) throw invalid(`prescription ${p.id} has no item ${item.prescriptionItemId}`, `dispensation/items/${i}/prescriptionItemId`);
    if (item.packages > prescribed.packages) throw invalid(`item ${prescribed.id}: ${item.packages} packages dispensed, ${prescribed.packages} prescribed`, `dispensation/items/${i}/packages`);
    if (item.substituted && !prescribed.substitutionAllowed) throw invalid(`item ${prescribed.id}: substitution is not allowed by the prescriber`, `dispensation/items/${i}/substituted`);
    return { ...item, prescriptionItemId: prescribed.id };
  });
  return { ...d, prescriptionId: p.id, items };
}

/** The eD's patient: the partner's id of the visitor first (country A checks it, 4206). */
function withPatientId(d: Dispensation, patientId: Identifier): Dispensation {
  const others = d.patient.ids.filter((i) => !(i.system === patientId.system && i.value === patientId.value));
  return { ...d, patient: { ...d.patient, ids: [patientId, ...others] } };
}

export async function submitDispensation(deps: CountryBDeps, run: ExchangeRun, job: XdrSubmitPayload): Promise<SubmitDispensationResult> {
  if (!sameId(job.dispensation.prescriptionId, job.prescriptionId)) {
    throw invalid(`the dispensation is for prescription ${job.dispensation.prescriptionId}, the request for ${job.prescriptionId}`, "dispensation/prescriptionId");
  }
  const patientCx = cxOf(job.patientId);
  const assertions = await issueAssertions(deps, run, job.country, job.requester, patientCx);
  const prescription = await findPrescription(deps, run, job, assertions.xml, assertions.who);
  let d = withPatientId(job.dispensation, job.patientId);
  if (prescription) d = againstPrescription(d, prescription);
  const xml = buildEDispensationL3(d, deps.documents);
  const ii = modelIdToIi(d.id, deps.documents);
  const uniqueId = ii.extension ? `${ii.root}^${ii.extension}` : ii.root;
  return audited(deps, run, { type: "EHDSI-41", who: assertions.who, patientId: patientCx, documentIds: [uniqueId] }, async () => {
    const status = await submitDocument(deps.connection, initiatorCall(deps, run, job.country, assertions.xml, "xdr"), {
      uniqueId,
      patient: { id: job.patientId.value, oid: job.patientId.system.replace(/^urn:oid:/, "") },
      intent: "dispense",
      sourceId: deps.homeCommunityId.replace(/^urn:oid:/, ""),
      // XDSSubmissionSet.uniqueId: stable per exchange, a 2.25 UUID OID (ITU-T X.667) from its id.
      submissionUniqueId: `2.25.${BigInt(`0x${createHash("sha256").update(run.exchangeId).digest("hex").slice(0, 32)}`)}`,
      languageCode: d.language ?? "en-GB",
      content: Buffer.from(xml, "utf8"),
      now: deps.clock(),
    });
    return { documentUniqueId: uniqueId, status };
  });
}

/** The eP at the partner, if it still lists it (XCA list then retrieve of its L3 documents). */
async function findPrescription(deps: CountryBDeps, run: ExchangeRun, job: XdrSubmitPayload, assertions: readonly string[], who: Parameters<typeof audited>[2]["who"]): Promise<ForeignPrescription | undefined> {
  const patientCx = cxOf(job.patientId);
  const listed = await audited(deps, run, { type: "EHDSI-31", who, patientId: patientCx }, async (facts) => {
    const docs = await findDocuments(deps.connection, initiatorCall(deps, run, job.country, assertions, "xcaQuery"), { patient: { id: job.patientId.value, oid: job.patientId.system.replace(/^urn:oid:/, "") }, documentClass: "ep" });
    facts.documentIds = docs.map((d) => d.documentUniqueId);
    return docs;
  }).catch((e: unknown) => {
    // No eP listed any more is not an error here (see above); other failures are.
    if ((e as { ehdsiCode?: string }).ehdsiCode === "ERROR_EP_NOT_FOUND" || (e as { ehdsiCode?: string }).ehdsiCode === "1101") return [];
    throw e;
  });
  for (const entry of listed.filter((l) => l.level === "L3")) {
    const doc = await audited(deps, run, { type: "EHDSI-32", who, patientId: patientCx, documentIds: [entry.documentUniqueId] }, () =>
      retrieveVerified(deps, initiatorCall(deps, run, job.country, assertions, "xcaRetrieve"), { ...entry, patientId: job.patientId }),
    );
    const p = parseEPrescription(doc.xml);
    if (sameId(p.id, job.prescriptionId)) return p;
  }
  return undefined;
}
