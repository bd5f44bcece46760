// eHDSI Level 1 documents: the PDF rendering (documents/pdf/) wrapped in a CDA with the same header
// as the L3 and a nonXMLBody (CDA R2 §4.3.2; eHDSI PS L1 templateId …1.1.7, eP L1 …1.1.6):
// component/nonXMLBody/text mediaType="application/pdf" representation="B64", as the Luxembourg
// Wave 8 sample LU-PS-L1-W8.xml does. relatedDocument XFRM names the L3 it was rendered from.
import type { PatientSummary, Prescription } from "../../canonical/model";
import { el, serialize, type XElement } from "../../shared/xml";
import type { DocumentContext } from "../context";
import { renderPrescriptionPdf } from "../pdf/eprescription-pdf";
import { renderPatientSummaryPdf } from "../pdf/patient-summary-pdf";
import { clinicalDocument, headerElements } from "./header";
import { ePrescriptionHeader } from "./eprescription";
import { documentId } from "./ids";
import { patientSummaryHeader } from "./patient-summary";

export const PS_L1_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.1.7";
export const EP_L1_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.1.6";

export interface Level1Document {
  /** The L1 CDA (serialised). */
  xml: string;
  /** The PDF it carries. */
  pdf: Uint8Array;
}

function nonXmlBody(pdf: Uint8Array): XElement {
  return el(
    "component",
    {},
    el("nonXMLBody", { classCode: "DOCBODY", moodCode: "EVN" }, el("text", { mediaType: "application/pdf", representation: "B64" }, Buffer.from(pdf).toString("base64"))),
  );
}

/** The PS L1 of a national summary: same header as the PS L3, its own id, XFRM to the L3. */
export async function buildPatientSummaryL1(ps: PatientSummary, ctx: DocumentContext): Promise<Level1Document> {
  const header = patientSummaryHeader(ps, ctx, { templateId: PS_L1_TEMPLATE, kind: "ps-l1" });
  header.relatedDocuments = [{ typeCode: "XFRM", id: documentId(ctx, "ps", ps.id, ps) }];
  const pdf = await renderPatientSummaryPdf(ps, { date: ctx.now() });
  return { xml: serialize(clinicalDocument(headerElements(header, ctx), nonXmlBody(pdf))), pdf };
}

/** The eP L1 of one prescription: same header as the eP L3, its own id, XFRM to the eP L3. */
export async function buildEPrescriptionL1(p: Prescription, ctx: DocumentContext): Promise<Level1Document> {
  const header = ePrescriptionHeader(p, ctx, { templateId: EP_L1_TEMPLATE, kind: "ep-l1" });
  header.relatedDocuments = [{ typeCode: "XFRM", id: documentId(ctx, "ep", p.id, p) }];
  const pdf = await renderPrescriptionPdf(p, { date: ctx.now() });
  return { xml: serialize(clinicalDocument(headerElements(header, ctx), nonXmlBody(pdf))), pdf };
}
