// What a document builder needs to know about the gateway producing the document. Builders never
// read configuration (DESIGN.md: documents/ does not import config/); main.ts fills this in.
import type { Organization } from "../canonical/model";
import type { Terminology } from "../terminology/types";

export interface DocumentContext {
  /** ISO 3166-1 alpha-2 of the country the document comes from (country A), e.g. "LU". */
  country: string;
  /** OID under which this gateway issues document ids (ClinicalDocument/id/@root). */
  documentIdRoot: string;
  /** The organisation answering for the documents (CDA custodian when the record names none). */
  custodian: Organization;
  terminology: Terminology;
  /** Time of creation; injected so that tests and golden files are repeatable. */
  now: () => Date;
}
