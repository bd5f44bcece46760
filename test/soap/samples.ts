// Reading the SOAP samples in ../shared/ehdsi/soap in place. The dk-templates envelopes are templates:
// their {{placeholders}} are filled here (never in the shared files).
import { readFileSync } from "node:fs";
import { ehdsiPath } from "../helpers/ehdsi";

export function sample(...parts: string[]): string {
  return readFileSync(ehdsiPath("soap", ...parts), "utf8");
}

export function sampleBytes(...parts: string[]): Buffer {
  return readFileSync(ehdsiPath("soap", ...parts));
}

const FILLERS: Record<string, string> = {
  "message-id": "urn:uuid:6f2c4f0e-9d1b-4c36-8a8e-0d3f1c2b5a77",
  "assertion-id": "_a1b2c3",
  "hcp-assertion-id": "_a1b2c3",
  "issue-instant": "2026-11-27T10:00:00Z",
  "not-before": "2026-11-27T10:00:00Z",
  "not-on-or-after": "2026-11-27T12:00:00Z",
  "authn-instant": "2026-11-27T10:00:00Z",
};

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z-]+)(\|safe)?\s*\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for placeholder ${name}`);
    return v;
  });
}

/** A dk-templates envelope with its assertion templates filled in and embedded. */
export function dkEnvelope(kind: "xcpd" | "xca", ...file: string[]): string {
  const strip = (xml: string) => xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const hcp = strip(fill(sample("dk-templates", kind, "hcp.xml"), FILLERS));
  const trc = kind === "xca" ? strip(fill(sample("dk-templates", kind, "trc.xml"), FILLERS)) : "";
  return fill(sample("dk-templates", kind, ...file), { ...FILLERS, "hcp-assertion": hcp, "trc-assertion": trc });
}

/** The MTOM sample files with the Content-Type their HTTP responses carried. */
export const MTOM_SAMPLES = {
  "mtom-non-xml.txt": 'multipart/related; type="application/xop+xml"; boundary=a1109b32-0907-4c3c-9d61-8b8d846b9983; start="<0.urn:uuid:2a28fe28-cd7d-44f9-88dd-0ab2a2d80073>"; start-info="application/soap+xml"',
  "mtom-without-multipart.txt": 'multipart/related;type="application/xop+xml";boundary="40273fbb68604ecba3d877e21a230ee0";start="<root.message@cxf.apache.org>";start-info="application/soap+xml"',
  "multi-mtom.txt": 'multipart/related; type="application/xop+xml"; start="<http://tempuri.org/0>"; boundary="uuid:34605f3a-f898-4d62-99a5-c0fc113a7e59+id=51889"; start-info="application/soap+xml"',
  "mtom.txt": 'multipart/related; type="application/xop+xml";start="<http://tempuri.org/0>";boundary="uuid:5ef8425b-44e7-4a4c-8144-b8ddacb300f9+id=34067";start-info="application/soap+xml"',
} as const;

/**
 * mtom.txt is stored as the text of a JavaScript string literal wrapped over several lines (escaped
 * \r\n and \" sequences; the real line breaks and indentation are only layout). This turns it back
 * into the bytes that were on the wire.
 */
export function unescapeWrappedLiteral(text: string): Buffer {
  const joined = text.replace(/\n[ \t]*/g, "");
  return Buffer.from(joined.replace(/\\r/g, "\r").replace(/\\n/g, "\n").replace(/\\"/g, '"'), "utf8");
}
