// XCA Cross Gateway Retrieve (IHE ITI-39): reading a RetrieveDocumentSetRequest and writing the
// RetrieveDocumentSetResponse, its documents as xop:Include parts of an MTOM package when the
// request came as MTOM, as inline base64 otherwise (issue 5); and reading such an answer back.
import type { Element } from "@xmldom/xmldom";
import { el, type XElement } from "../../shared/xml";
import { binaryContent, newContentId, xopInclude, type Attachment, type MimePart } from "../mtom";
import { RS_NS, XDS_NS } from "../namespaces";
import { readRegistryErrors, readStatus, registryErrorList, statusFor, statusUri, type RegistryErrorInput } from "../rim";
import { childElements, onlyChild, optionalChild, qname, readFailure, textOf } from "../xml-read";

export interface DocumentRequest {
  homeCommunityId: string | undefined;
  repositoryUniqueId: string;
  documentUniqueId: string;
}

/** Most documents one retrieve may ask for; eHDSI asks for one or two (L3 and L1). */
export const MAX_DOCUMENT_REQUESTS = 50;

function requiredText(parent: Element, local: string, where: string): string {
  const v = textOf(onlyChild(parent, XDS_NS, local, where));
  if (!v) throw readFailure("structure", `${where}/${local} is empty`, `${where}/${local}`);
  return v;
}

export function parseRetrieveRequest(message: Element): DocumentRequest[] {
  if (message.namespaceURI !== XDS_NS || message.localName !== "RetrieveDocumentSetRequest") {
    throw readFailure("structure", `expected {${XDS_NS}}RetrieveDocumentSetRequest, found ${qname(message)}`, "/");
  }
  const requests = childElements(message, XDS_NS, "DocumentRequest");
  if (requests.length === 0) throw readFailure("structure", "the request asks for no document", "/RetrieveDocumentSetRequest/DocumentRequest");
  if (requests.length > MAX_DOCUMENT_REQUESTS) throw readFailure("structure", `the request asks for ${requests.length} documents (at most ${MAX_DOCUMENT_REQUESTS})`, "/RetrieveDocumentSetRequest");
  return requests.map((r, i) => {
    const where = `/RetrieveDocumentSetRequest/DocumentRequest[${i + 1}]`;
    return {
      homeCommunityId: textOf(optionalChild(r, XDS_NS, "HomeCommunityId", where)),
      repositoryUniqueId: requiredText(r, "RepositoryUniqueId", where),
      documentUniqueId: requiredText(r, "DocumentUniqueId", where),
    };
  });
}

export interface RetrievedDocument {
  homeCommunityId: string;
  repositoryUniqueId: string;
  documentUniqueId: string;
  mimeType: string;
  content: Buffer;
}

export interface RetrieveAnswer {
  documents: RetrievedDocument[];
  errors?: RegistryErrorInput[];
  /** Documents as MTOM attachments (xop:Include) rather than inline base64. */
  mtom: boolean;
}

/** The RetrieveDocumentSetResponse element and, under MTOM, the attachments to package with it. */
export function buildRetrieveResponse(answer: RetrieveAnswer): { body: XElement; attachments: Attachment[] } {
  const errors = answer.errors ?? [];
  const attachments: Attachment[] = [];
  const responses = answer.documents.map((d) => {
    let content: XElement | string;
    if (answer.mtom) {
      const contentId = newContentId();
      attachments.push({ contentId, contentType: d.mimeType, bytes: d.content });
      content = xopInclude(contentId);
    } else content = d.content.toString("base64");
    return el(
      "xdsb:DocumentResponse",
      {},
      el("xdsb:HomeCommunityId", {}, d.homeCommunityId),
      el("xdsb:RepositoryUniqueId", {}, d.repositoryUniqueId),
      el("xdsb:DocumentUniqueId", {}, d.documentUniqueId),
      el("xdsb:mimeType", {}, d.mimeType),
      el("xdsb:Document", {}, content),
    );
  });
  const body = el(
    "xdsb:RetrieveDocumentSetResponse",
    { "xmlns:xdsb": XDS_NS, "xmlns:rs": RS_NS },
    el("rs:RegistryResponse", { status: statusUri(statusFor(errors, answer.documents.length)) }, registryErrorList(errors)),
    responses,
  );
  return { body, attachments };
}

export interface ReadRetrieveAnswer {
  status: ReturnType<typeof readStatus>;
  errors: ReturnType<typeof readRegistryErrors>;
  documents: Array<Omit<RetrievedDocument, "homeCommunityId"> & { homeCommunityId: string | undefined }>;
}

/** Read a RetrieveDocumentSetResponse; documents resolved from the package's attachments or base64. */
export function parseRetrieveResponse(message: Element, attachments: Map<string, MimePart>): ReadRetrieveAnswer {
  if (message.namespaceURI !== XDS_NS || message.localName !== "RetrieveDocumentSetResponse") {
    throw readFailure("structure", `expected {${XDS_NS}}RetrieveDocumentSetResponse, found ${qname(message)}`, "/");
  }
  const registry = onlyChild(message, RS_NS, "RegistryResponse", "/RetrieveDocumentSetResponse");
  const documents = childElements(message, XDS_NS, "DocumentResponse").map((r, i) => {
    const where = `/RetrieveDocumentSetResponse/DocumentResponse[${i + 1}]`;
    return {
      homeCommunityId: textOf(optionalChild(r, XDS_NS, "HomeCommunityId", where)),
      repositoryUniqueId: requiredText(r, "RepositoryUniqueId", where),
      documentUniqueId: requiredText(r, "DocumentUniqueId", where),
      mimeType: requiredText(r, "mimeType", where),
      content: binaryContent(onlyChild(r, XDS_NS, "Document", where), attachments),
    };
  });
  return { status: readStatus(registry), errors: readRegistryErrors(registry), documents };
}


// ---- writing a request (country B) --------------------------------------------------------------

/** A RetrieveDocumentSetRequest (IHE ITI TF-2b 3.39.4.1): one DocumentRequest per document. */
export function buildRetrieveRequest(requests: readonly DocumentRequest[]): XElement {
  if (requests.length === 0 || requests.length > MAX_DOCUMENT_REQUESTS) throw readFailure("structure", `a retrieve asks for 1 to ${MAX_DOCUMENT_REQUESTS} documents, not ${requests.length}`, "/RetrieveDocumentSetRequest");
  return el(
    "xdsb:RetrieveDocumentSetRequest",
    { "xmlns:xdsb": XDS_NS },
    requests.map((r) =>
      el(
        "xdsb:DocumentRequest",
        {},
        r.homeCommunityId ? el("xdsb:HomeCommunityId", {}, r.homeCommunityId) : undefined,
        el("xdsb:RepositoryUniqueId", {}, r.repositoryUniqueId),
        el("xdsb:DocumentUniqueId", {}, r.documentUniqueId),
      ),
    ),
  );
}
