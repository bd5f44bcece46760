// POST /ncp/xdr of country A (ITI-41): a thin adapter. ProvideAndRegisterDocumentSet-b read by the
// codec (messages.ts: inline base64 or MTOM/XOP), one eDispensation per submission; the intent by class
// and format code (dispense 60593-1 / urn:epSOS:ep:dis:2010, discard DISCARD-60593-1 /
// urn:eHDSI:ed:discard:2020); assertions validated for service ed (TRC bound to the entry's patient);
// submitDispensation / discardDispensation; a RegistryResponse: Success, Success with the
// DISPENSATION_DEFERRED warning (stored, delivered later), or Failure with the eHDSI error.
import { discardDispensation } from "../../country-a/discard-dispensation";
import { EhdsiErrors, type EhdsiError } from "../../country-a/errors";
import { validateRequest, type CountryAResponders } from "../../country-a/inbound";
import { submitDispensation } from "../../country-a/submit-dispensation";
import { formatCx } from "../cx";
import { Actions } from "../namespaces";
import type { Responder, ResponderAnswer } from "../router";
import { registryError } from "../xca/responder";
import { buildRegistryResponse, edIntent, parseProvideAndRegister } from "./messages";

function xdrResponder(r: CountryAResponders): Responder {
  return async (x): Promise<ResponderAnswer> => {
    const request = parseProvideAndRegister(x.request.body, x.transport.attachments);
    const answer = (errors: readonly EhdsiError[]): ResponderAnswer => ({ action: Actions.xdr.response, body: buildRegistryResponse(errors.map(registryError)) });
    const [doc, ...others] = request.documents;
    const intent = doc ? edIntent(doc) : undefined;
    const eventId = intent === "discard" ? "EHDSI-42" : "EHDSI-41";
    const patientCx = doc ? formatCx(doc.patient) : undefined;
    const validation = await validateRequest(r, { envelope: x.envelope, country: x.peer.partner.country, messageId: x.request.addressing.messageId, exchangeId: x.exchangeId, security: x.request.security }, "ed", eventId, { cx: patientCx });
    if (!validation.ok) return answer([validation.error]);
    if (!doc || others.length > 0) return answer([EhdsiErrors.badRequest(`one eDispensation per submission is expected, found ${request.documents.length}`, "ProvideAndRegisterDocumentSetRequest/Document")]);
    if (!intent) return answer([{ ...EhdsiErrors.classCodeNotSupported([`${doc.classCode ?? "?"} / ${doc.formatCode ?? "?"}`]), location: "ExtrinsicObject/Classification" }]);
    const submitted = { xml: doc.bytes.toString("utf8"), uniqueId: doc.uniqueId, patientId: patientCx! };
    const run = intent === "discard" ? discardDispensation : submitDispensation;
    const result = await run(r.ports, validation.requester, submitted, r.documentChecks());
    return answer(result.ok ? result.warnings : [result.error]);
  };
}

export function xdrResponders(r: CountryAResponders): Record<string, Responder> {
  return { [Actions.xdr.request]: xdrResponder(r) };
}
