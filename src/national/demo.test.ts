// The demo data's README lists every national code the demo bundles use (the terminology catalogue
// maps from that list), and every demo matricule is valid.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { DEMO_BUNDLE_DIR, demoBundleFiles } from "./demo";
import { isValidMatricule } from "./matricule";

function codings(node: unknown, out: { system: string; code: string }[] = []): { system: string; code: string }[] {
  if (Array.isArray(node)) node.forEach((n) => codings(n, out));
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (typeof o.system === "string" && typeof o.code === "string") out.push({ system: o.system, code: o.code });
    Object.values(o).forEach((v) => codings(v, out));
  }
  return out;
}

describe("national demo data", () => {
  const readme = readFileSync(`${DEMO_BUNDLE_DIR}README.md`, "utf8");
  const bundles = demoBundleFiles().map(({ file }) => JSON.parse(readFileSync(`${DEMO_BUNDLE_DIR}${file}`, "utf8")) as unknown);

  it("has six patients with valid matricules, each listed in the README", () => {
    const matricules = new Set<string>();
    for (const b of bundles) {
      for (const e of (b as { entry: { resource: { resourceType: string; identifier?: { system: string; value: string }[] } }[] }).entry) {
        if (e.resource.resourceType !== "Patient") continue;
        const m = e.resource.identifier?.find((i) => i.system === "urn:oid:1.3.182.4.4")?.value;
        expect(m !== undefined && isValidMatricule(m), String(m)).to.equal(true);
        matricules.add(m!);
      }
    }
    expect(matricules.size).to.equal(6);
    for (const m of matricules) expect(readme).to.contain(m);
  });

  it("the README lists every Luxembourg national code (urn:oid:1.3.182.5.*) used", () => {
    const national = bundles.flatMap((b) => codings(b)).filter((c) => c.system.startsWith("urn:oid:1.3.182.5."));
    expect(national.length).to.be.greaterThan(10);
    for (const c of national) {
      const oid = c.system.slice("urn:oid:".length);
      expect(readme, `${oid} ${c.code}`).to.match(new RegExp(`\\| ${oid.replace(/\./g, "\\.")} \\| [^|]+ \\| ${c.code.replace(/\./g, "\\.")} \\|`));
    }
  });
});
