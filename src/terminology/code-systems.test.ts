// The international HL7 systems IPS bundles use are in the static table: their OID and CDA
// codeSystemName are known whatever modules were imported before (no registration by side effect).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CodeSystems, codeSystemName, oidForSystem } from "./code-systems";

const HL7_SYSTEMS = [
  { uri: "http://terminology.hl7.org/CodeSystem/icd-o-3", oid: "2.16.840.1.113883.6.43.1", name: "ICD-O-3" },
  { uri: "http://hl7.org/fhir/sid/cvx", oid: "2.16.840.1.113883.12.292", name: "CVX" },
  { uri: "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", oid: "2.16.840.1.113883.5.112", name: "RouteOfAdministration" },
  { uri: "http://terminology.hl7.org/CodeSystem/v2-0131", oid: "2.16.840.1.113883.12.131", name: "Contact Role" },
  { uri: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", oid: "2.16.840.1.113883.5.83", name: "ObservationInterpretation" },
  { uri: "http://terminology.hl7.org/CodeSystem/v3-TimingEvent", oid: "2.16.840.1.113883.5.139", name: "TimingEvent" },
];

describe("code system table", () => {
  it("lists the HL7 systems of IPS bundles with their HL7 OIDs", () => {
    const table = Object.values(CodeSystems) as { oid: string; uri?: string; name: string }[];
    for (const cs of HL7_SYSTEMS) {
      expect(table, cs.uri).to.deep.include(cs);
      expect(oidForSystem(cs.uri), cs.uri).to.equal(cs.oid);
      expect(codeSystemName(cs.oid), cs.oid).to.equal(cs.name);
    }
  });

  it("names them in a process that imports only the table (nothing from src/national)", () => {
    const module = fileURLToPath(new URL("./code-systems.ts", import.meta.url));
    const script = `const t = await import(${JSON.stringify(module)}); console.log(JSON.stringify(${JSON.stringify(HL7_SYSTEMS.map((s) => s.oid))}.map((o) => t.codeSystemName(o) ?? null)));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(JSON.parse(out.trim())).to.deep.equal(HL7_SYSTEMS.map((s) => s.name));
  });
});
