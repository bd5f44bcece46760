// HL7 v2 CX patient identifiers as XDS carries them: `ID^^^&OID&ISO` (IHE ITI TF-3 4.2.3.1.7,
// "the assigning authority shall be an OID, universal id type ISO"); and the quoted form of a
// stored-query parameter: `'ID^^^&OID&ISO'` (ITI TF-2a 3.18.4.1.2.3.5).
import { ErrorCode, PasserelleError } from "../shared/errors";

export interface PatientCx {
  /** The identifier value (CX.1). */
  id: string;
  /** The assigning authority OID (CX.4.2). */
  oid: string;
}

const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
/** CX.1 may hold any character but the HL7 v2 delimiters ^ & ~ \ and control characters. */
const CX_ID = /^[^^&~\\\s\p{Cc}]+$/u;

export function isOid(value: string): boolean {
  return OID.test(value);
}

function cxError(message: string, value: string): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, message, { reason: "cx", value });
}

/** Strict parse of `ID^^^&OID&ISO`; anything else (missing parts, other type than ISO, bad OID) throws. */
export function parseCx(value: string): PatientCx {
  const m = /^([^^]*)\^\^\^&([^&]*)&([^&^]*)$/.exec(value);
  if (!m) throw cxError(`not a CX patient identifier of the form ID^^^&OID&ISO: "${value}"`, value);
  const [, id, oid, type] = m as unknown as [string, string, string, string];
  if (!CX_ID.test(id)) throw cxError(`the identifier part of "${value}" is empty or has a forbidden character`, value);
  if (!isOid(oid)) throw cxError(`the assigning authority of "${value}" is not an OID`, value);
  if (type !== "ISO") throw cxError(`the assigning authority type of "${value}" is "${type}", not ISO`, value);
  return { id, oid };
}

export function formatCx(cx: PatientCx): string {
  if (!CX_ID.test(cx.id)) throw cxError(`cannot write identifier "${cx.id}" in CX form`, cx.id);
  if (!isOid(cx.oid)) throw cxError(`cannot write assigning authority "${cx.oid}": not an OID`, cx.oid);
  return `${cx.id}^^^&${cx.oid}&ISO`;
}

/** A stored-query string parameter: `'...'`, quotes required, a doubled '' stands for one quote. */
export function unquoteQueryValue(value: string): string {
  const v = value.trim();
  if (v.length < 2 || !v.startsWith("'") || !v.endsWith("'")) throw cxError(`query parameter value is not quoted: ${v}`, v);
  const inner = v.slice(1, -1);
  if (inner.replace(/''/g, "").includes("'")) throw cxError(`query parameter value has an unescaped quote: ${v}`, v);
  return inner.replace(/''/g, "'");
}

/** A stored-query list parameter `('a','b')` (several Value elements may each hold part of the list). */
export function parseQueryList(values: string[]): string[] {
  const out: string[] = [];
  for (const raw of values) {
    const v = raw.trim();
    const inner = v.startsWith("(") && v.endsWith(")") ? v.slice(1, -1) : v;
    // split on commas outside quotes
    let current = "";
    let quoted = false;
    for (const ch of inner) {
      if (ch === "'") quoted = !quoted;
      if (ch === "," && !quoted) {
        out.push(unquoteQueryValue(current));
        current = "";
      } else current += ch;
    }
    if (quoted) throw cxError(`query list has an unterminated quote: ${v}`, v);
    if (current.trim() !== "") out.push(unquoteQueryValue(current));
  }
  return out;
}

export function quoteQueryValue(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
