// The documents country A offers: the sealed pivot L3 and the L1 (PDF) of a national Patient Summary
// or ePrescription, built by the document pipeline, identified by their CDA ClinicalDocument/id
// (XDS uniqueId root^extension: derived from the national record, so stable while it is unchanged,
// src/documents/cda/ids.ts) and cached by that id. Building only happens on a cache miss, so a query
// followed by a retrieve seals each document once.
import { createHash } from "node:crypto";
import type { PatientSummary, Prescription } from "../canonical/model";
import { documentId } from "../documents/cda/ids";
import type { DocumentContext } from "../documents/context";
import { patientSummaryDocument, prescriptionDocument, type DocumentLevel } from "../documents/pipeline";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { SigningKey } from "../signing/keys";

export type DocumentKind = "ps" | "ep";

/** eP metadata of XCA entries (REFERENCE.md "XCA": event code, ATC, dose form, strength, substitution). */
export interface PrescriptionMetadata {
  /** open = can be dispensed; closed = dispensed, cancelled or expired. */
  readonly dispensable: boolean;
  readonly atc: readonly { code: string; display?: string }[];
  readonly doseForms: readonly { code: string; display?: string }[];
  readonly strengths: readonly string[];
  /** v3 substanceAdminSubstitution: N (not allowed) or EC (equivalent allowed), one per item. */
  readonly substitution: readonly string[];
}

export interface OfferedDocument {
  /** XDS uniqueId: ClinicalDocument/id root^extension. */
  readonly uniqueId: string;
  readonly kind: DocumentKind;
  readonly level: DocumentLevel;
  readonly matricule: string;
  /** National id of the record (summary id, prescription id). */
  readonly sourceId: string;
  /** The L3 this document renders (L1) — XFRM association; undefined for an L3. */
  readonly transformOf: string | undefined;
  readonly xml: string;
  readonly bytes: Buffer;
  /** XDS hash (SHA-1 of the bytes, ITI TF-3 4.2.3.2.9: metadata, not a signature) and size. */
  readonly hash: string;
  readonly size: number;
  readonly title: string;
  readonly languageCode: string;
  readonly creationTime: Date;
  readonly serviceStart: string | undefined;
  readonly prescription: PrescriptionMetadata | undefined;
}

export interface DocumentSourceOptions {
  readonly context: DocumentContext;
  readonly sealKey: SigningKey;
  /** Sealed documents kept (default 1000). */
  readonly cacheSize?: number;
}

export function uniqueIdOf(id: { root: string; extension?: string }): string {
  return id.extension ? `${id.root}^${id.extension}` : id.root;
}

/** The id a record's L3 or L1 document has (without building it). */
export function documentIdOf(ctx: DocumentContext, kind: DocumentKind, record: PatientSummary | Prescription, level: DocumentLevel): string {
  return uniqueIdOf(documentId(ctx, level === "L3" ? kind : `${kind}-l1`, record.id, record));
}

/** The ids a record's documents have (without building them): L3 and L1. */
export function documentIdsOf(ctx: DocumentContext, kind: DocumentKind, record: PatientSummary | Prescription): { L3: string; L1: string } {
  return { L3: documentIdOf(ctx, kind, record, "L3"), L1: documentIdOf(ctx, kind, record, "L1") };
}

const ATC = "2.16.840.1.113883.6.73";

function prescriptionMetadata(p: Prescription): PrescriptionMetadata {
  const strengths: string[] = [];
  for (const item of p.items) {
    const s = item.product.ingredients.find((i) => i.strength)?.strength;
    if (s) strengths.push(`${s.numerator.value} ${s.numerator.unit}${s.denominator.value === "1" && s.denominator.unit === "1" ? "" : ` / ${s.denominator.value} ${s.denominator.unit}`}`);
  }
  const coded = (c: { code: string; display?: string | undefined } | undefined) => (c ? [{ code: c.code, ...(c.display ? { display: c.display } : {}) }] : []);
  return {
    dispensable: p.status === "active" || p.status === "partially-dispensed",
    atc: p.items.flatMap((i) => coded(i.product.atc?.system === ATC ? i.product.atc : undefined)),
    doseForms: p.items.flatMap((i) => coded(i.product.doseForm?.coding)),
    strengths,
    substitution: p.items.map((i) => (i.substitutionAllowed ? "EC" : "N")),
  };
}

export class DocumentSource {
  readonly context: DocumentContext;
  private readonly key: SigningKey;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, OfferedDocument>();
  private readonly building = new Map<string, Promise<OfferedDocument>>();
  /** Builds done (cache misses), for tests and metrics. */
  builds = 0;

  constructor(options: DocumentSourceOptions) {
    this.context = options.context;
    this.key = options.sealKey;
    this.cacheSize = options.cacheSize ?? 1000;
  }

  /** A cached document by uniqueId (no national read), or undefined. */
  cached(uniqueId: string): OfferedDocument | undefined {
    const hit = this.cache.get(uniqueId);
    if (hit) {
      this.cache.delete(uniqueId);
      this.cache.set(uniqueId, hit);
    }
    return hit;
  }

  /**
   * The L3 or L1 of a Patient Summary, sealed. Throws the document engine's errors (e.g. missing
   * mapping). `id`: the document's id when the caller computed it already (documentIdOf).
   */
  patientSummary(matricule: string, ps: PatientSummary, level: DocumentLevel, id?: string): Promise<OfferedDocument> {
    const cached = id !== undefined ? this.cached(id) : undefined;
    if (cached) return Promise.resolve(cached);
    const ids = documentIdsOf(this.context, "ps", ps);
    return this.get(ids[level], async () => {
      const doc = await patientSummaryDocument(ps, { level, signingKey: this.key }, this.context);
      return this.offered(doc.xml, { kind: "ps", level, matricule, sourceId: ps.id, transformOf: level === "L1" ? ids.L3 : undefined, language: ps.language, title: "Patient Summary", prescription: undefined, serviceStart: undefined });
    });
  }

  prescription(matricule: string, p: Prescription, level: DocumentLevel, id?: string): Promise<OfferedDocument> {
    const cached = id !== undefined ? this.cached(id) : undefined;
    if (cached) return Promise.resolve(cached);
    const ids = documentIdsOf(this.context, "ep", p);
    return this.get(ids[level], async () => {
      const doc = await prescriptionDocument(p, { level, signingKey: this.key }, this.context);
      return this.offered(doc.xml, {
        kind: "ep", level, matricule, sourceId: p.id, transformOf: level === "L1" ? ids.L3 : undefined, language: p.language,
        title: `ePrescription ${p.id}`, prescription: prescriptionMetadata(p), serviceStart: p.issued,
      });
    });
  }

  private async get(uniqueId: string, build: () => Promise<OfferedDocument>): Promise<OfferedDocument> {
    const hit = this.cached(uniqueId);
    if (hit) return hit;
    const pending = this.building.get(uniqueId);
    if (pending) return pending;
    const p = build().then((doc) => {
      if (doc.uniqueId !== uniqueId) throw new PasserelleError(ErrorCode.Internal, `built document id ${doc.uniqueId} differs from the expected ${uniqueId}`);
      this.builds += 1;
      this.cache.set(uniqueId, doc);
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
      return doc;
    });
    this.building.set(uniqueId, p);
    try {
      return await p;
    } finally {
      this.building.delete(uniqueId);
    }
  }

  private offered(
    xml: string,
    o: Pick<OfferedDocument, "kind" | "level" | "matricule" | "sourceId" | "transformOf" | "title" | "prescription" | "serviceStart"> & { language: string },
  ): OfferedDocument {
    const idMatch = /<id\s+root="([^"]+)"(?:\s+extension="([^"]*)")?\s*\/>/.exec(xml.slice(0, 4096));
    if (!idMatch) throw new PasserelleError(ErrorCode.Internal, "generated document has no ClinicalDocument/id");
    const bytes = Buffer.from(xml, "utf8");
    return {
      uniqueId: uniqueIdOf({ root: idMatch[1]!, ...(idMatch[2] ? { extension: idMatch[2] } : {}) }),
      kind: o.kind, level: o.level, matricule: o.matricule, sourceId: o.sourceId, transformOf: o.transformOf,
      xml, bytes, hash: createHash("sha1").update(bytes).digest("hex"), size: bytes.length,
      title: o.title, languageCode: o.language, creationTime: this.context.now(), serviceStart: o.serviceStart, prescription: o.prescription,
    };
  }
}
