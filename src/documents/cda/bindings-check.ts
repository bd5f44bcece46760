// Value-set binding check of a CDA Level 3 document: every coded element the eHDSI coded element
// list names (terminology/bindings.ts, its elementPath values) must carry a code of the MVC value
// set bound to it, or a nullFlavor its usage allows (R: none; RNFA and O: any), and required
// elements must be present. The engine of `passerelle validate` (the XSD half is schema.ts).
//
// How the list's paths are handled:
//  - They name CDA elements without namespace; we evaluate them on local names (hl7: and pharm:
//    elements alike), and `@type` (the list's spelling of xsi:type) on the attribute's local name
//    (element-path.ts: the XPath subset the list uses).
//  - They overlap: the generic severity path also matches criticality and certainty observations.
//    Specific paths claim a node first; a `fallback` path only takes nodes nobody claimed. When two
//    specific paths claim one node, the first in the table wins.
//  - They miss templates: the reaction manifestation (3.44, eHDSIReactionAllergy), the guardian,
//    and past illness vs active problem (same path in the list; told apart by section code).
//    bindings.ts documents each choice.
//  - Usage NA: the element's template does not belong in that document; a match is not checked.
// A value set the terminology does not know is reported once as a warning (load the full MVC:
// the shipped demo catalogue holds only part of most value sets).
import type { Document, Element, Node } from "@xmldom/xmldom";
import { ErrorCode } from "../../shared/errors";
import { BINDINGS, type BindingFact } from "../../terminology/bindings";
import { CodeSystems } from "../../terminology/code-systems";
import type { DocumentKind, Terminology, Usage } from "../../terminology/types";
import { attr, pathOf, readCda } from "./cda-reader";
import { compilePath, ElementIndex, type CompiledPath } from "./element-path";

export type FindingKind = "not-in-value-set" | "null-flavor-not-allowed" | "no-code" | "missing" | "unknown-value-set";

export interface BindingFinding {
  kind: FindingKind;
  severity: "error" | "warning";
  element: string;
  usage?: Usage;
  valueSets: readonly string[];
  /** Where: the element's path from the root. */
  location: string;
  code?: string;
  codeSystem?: string;
  displayName?: string;
  nullFlavor?: string;
  message: string;
}

export interface BindingReport {
  kind: DocumentKind;
  /** Coded elements examined. */
  checked: number;
  findings: BindingFinding[];
  /** true when no finding has severity error. */
  ok: boolean;
}

const DOCUMENT_KINDS: Record<string, DocumentKind> = { "60591-5": "ps", "57833-6": "ep", "60593-1": "ed" };
const DOCUMENT_CODE = compilePath("/ClinicalDocument/code/@code");

interface CompiledBinding {
  element: string;
  fact: BindingFact;
  paths: CompiledPath[];
}

const COMPILED: CompiledBinding[] = Object.entries(BINDINGS as Record<string, BindingFact>).map(([element, fact]) => ({
  element, fact, paths: fact.paths.map(compilePath),
}));

/** Required presence: within each context node, a child element by local name (usage R or RNFA). */
interface Presence {
  element: keyof typeof BINDINGS;
  kinds: DocumentKind[];
  context: CompiledPath;
  child: string;
}

const T = (n: number): string => `1.3.6.1.4.1.12559.11.10.1.3.1.3.${n}`;
const ALLERGY = `//entry/act[templateId/@root='${T(16)}']/entryRelationship[@typeCode='SUBJ']/observation[templateId/@root='${T(17)}']`;
const PRESENCE: Presence[] = ([
  { element: "document.code", kinds: ["ps", "ep", "ed"], context: "/ClinicalDocument", child: "code" },
  { element: "document.confidentiality", kinds: ["ps", "ep", "ed"], context: "/ClinicalDocument", child: "confidentialityCode" },
  { element: "patient.gender", kinds: ["ps", "ep", "ed"], context: "/ClinicalDocument/recordTarget/patientRole/patient", child: "administrativeGenderCode" },
  { element: "author.role", kinds: ["ep"], context: "/ClinicalDocument/author", child: "functionCode" },
  { element: "medication.doseForm", kinds: ["ep"], context: `//entry/substanceAdministration[templateId/@root='${T(2)}']/consumable/manufacturedProduct/manufacturedMaterial`, child: "formCode" },
  { element: "medication.doseForm", kinds: ["ed"], context: `//entry/supply[templateId/@root='${T(3)}']/product/manufacturedProduct/manufacturedMaterial`, child: "formCode" },
  { element: "allergy.type", kinds: ["ps"], context: ALLERGY, child: "code" },
  { element: "allergy.reaction", kinds: ["ps"], context: `${ALLERGY}/entryRelationship[@typeCode='MFST']/observation[templateId/@root='${T(44)}']`, child: "value" },
] as const).map((p) => ({ ...p, kinds: [...p.kinds], element: p.element as keyof typeof BINDINGS, context: compilePath(p.context) }));

// ---- the check --------------------------------------------------------------------------------------

function locationOf(n: Node): string {
  if (n.nodeType === 2) {
    const a = n as unknown as { ownerElement: Element; localName: string; name: string };
    return `${pathOf(a.ownerElement)}/@${a.localName ?? a.name}`;
  }
  return pathOf(n as Element);
}

export interface CheckOptions {
  /** The document kind; by default from ClinicalDocument/code (60591-5, 57833-6, 60593-1). */
  kind?: DocumentKind;
}

/** Check a CDA L3 document (XML string or parsed DOM) against the MVC bindings. */
export function checkBindings(input: string | Document, terminology: Terminology, options: CheckOptions = {}): BindingReport {
  const doc = typeof input === "string" ? readCda(input, { code: ErrorCode.DocumentInvalid }) : input;
  const index = new ElementIndex(doc);
  const docCode = index.select(DOCUMENT_CODE)[0]?.nodeValue ?? undefined;
  const kind = options.kind ?? (docCode ? DOCUMENT_KINDS[docCode] : undefined) ?? "ps";
  const findings: BindingFinding[] = [];
  const known = new Set(terminology.valueSets());
  const warnedVs = new Set<string>();

  // Claim nodes: specific paths first, then fallbacks on what is left.
  const claims = new Map<Node, CompiledBinding>();
  for (const fallback of [false, true]) {
    for (const b of COMPILED) {
      if (Boolean(b.fact.fallback) !== fallback) continue;
      for (const p of b.paths) for (const n of index.select(p)) if (!claims.has(n)) claims.set(n, b);
    }
  }

  let checked = 0;
  for (const [node, b] of claims) {
    const usage = b.fact.usage[kind];
    if (usage === "NA") continue;
    checked++;
    const valueSets = b.fact.alsoValueSets ? [b.fact.valueSet, ...b.fact.alsoValueSets] : [b.fact.valueSet];
    const location = locationOf(node);
    const base = { element: b.element, usage, valueSets, location };
    let code: string | undefined;
    let system: string | undefined;
    let nullFlavor: string | undefined;
    let displayName: string | undefined;
    if (node.nodeType === 2) {
      // A unit attribute: the code is the UCUM unit.
      code = node.nodeValue?.trim() || undefined;
      system = CodeSystems.ucum.oid;
    } else {
      const e = node as Element;
      code = attr(e, "code");
      system = attr(e, "codeSystem");
      nullFlavor = attr(e, "nullFlavor");
      displayName = attr(e, "displayName");
    }
    if (nullFlavor && !code) {
      if (usage === "R") {
        findings.push({ ...base, kind: "null-flavor-not-allowed", severity: "error", nullFlavor, message: `${b.element} is required (R): nullFlavor ${nullFlavor} not allowed at ${location}` });
      }
      continue;
    }
    if (!code || !system) {
      findings.push({ ...base, kind: "no-code", severity: "error", ...(code ? { code } : {}), message: `${b.element} at ${location} has ${code ? "no codeSystem" : "neither code nor nullFlavor"}` });
      continue;
    }
    const unknown = valueSets.filter((vs) => !known.has(vs));
    for (const vs of unknown) {
      if (warnedVs.has(vs)) continue;
      warnedVs.add(vs);
      findings.push({ ...base, kind: "unknown-value-set", severity: "warning", valueSets: [vs], message: `value set ${vs} (${b.element}) is not loaded; its codes cannot be checked` });
    }
    if (unknown.length === valueSets.length) continue;
    if (valueSets.some((vs) => terminology.inValueSet(vs, system, code))) continue;
    findings.push({
      ...base, kind: "not-in-value-set", severity: "error", code, codeSystem: system, ...(displayName ? { displayName } : {}),
      message: `${b.element} at ${location}: code ${code} (${system}) is not in MVC value set ${valueSets.join(" or ")}`,
    });
  }

  for (const p of PRESENCE) {
    if (!p.kinds.includes(kind)) continue;
    const fact: BindingFact = BINDINGS[p.element];
    for (const ctx of index.select(p.context)) {
      const has = Array.from((ctx as Element).childNodes).some((c) => c.nodeType === 1 && (c as Element).localName === p.child);
      if (has) continue;
      const location = `${pathOf(ctx as Element)}/${p.child}`;
      findings.push({
        kind: "missing", severity: "error", element: p.element, usage: fact.usage[kind], valueSets: [fact.valueSet], location,
        message: `${p.element} (${fact.usage[kind]}) is missing at ${location}`,
      });
    }
  }

  return { kind, checked, findings, ok: !findings.some((f) => f.severity === "error") };
}
