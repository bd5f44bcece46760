// Medical Devices section (LOINC 46264-8, templateId …2.4; required). Each device use is a supply
// (…3.5) with its period and a participant DEV whose playingDevice code is drawn from
// eHDSIMedicalDevice, the UDI as participantRole id, as 2-1234-W8.xml. "No information" / "known
// absent": the playingDevice code is the IPS absent/unknown code (2-5678-W8.xml).
import type { DeviceUse, RequiredSection } from "../../../canonical/model";
import { el, type XElement } from "../../../shared/xml";
import { ivlTs } from "../datatypes";
import { content, type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText } from "../../../canonical/text";
import { absentConcept, absentNarrative, ENTRY_TEMPLATE, type PsBuild, type SectionSpec, section } from "./common";

const SPEC: SectionSpec = { template: 4, parents: ["2.16.840.1.113883.10.20.1.7"], code: "46264-8", display: "History of medical device use", key: "devices" };
/** FDA UDI issuing root (HL7 OID registry), for a device's UDI as participantRole/id. */
const UDI_ROOT = "2.16.840.1.113883.3.3719";

function supply(b: PsBuild, localId: string, rowId: string, period: XElement, device: XElement | undefined, udi?: string): XElement {
  return el(
    "supply",
    { classCode: "SPLY", moodCode: "EVN" },
    el("templateId", { root: ENTRY_TEMPLATE(5) }),
    b.entryId(localId),
    textRef(rowId),
    period,
    el(
      "participant",
      { typeCode: "DEV" },
      el(
        "participantRole",
        { classCode: "MANU" },
        udi ? el("id", { root: UDI_ROOT, extension: udi }) : undefined,
        el("playingDevice", { classCode: "DEV", determinerCode: "INSTANCE" }, device),
      ),
    ),
  );
}

export function deviceSection(b: PsBuild, data: RequiredSection<DeviceUse>): XElement {
  if (data.kind !== "entries" || data.entries.length === 0) {
    const kind = data.kind === "entries" ? "no-information" : data.kind;
    const concept = absentConcept("devices", kind);
    const id = b.nextId("device");
    const entry = supply(b, `devices.${kind}`, id, el("effectiveTime", { "xsi:type": "IVL_TS", nullFlavor: "NA" }), b.coded("code", concept, "device.code"));
    return section(b, SPEC, [absentNarrative(id, b.labels.absent.devices[kind])], [entry]);
  }
  const rows: NarrativeRow[] = [];
  const entries = data.entries.map((d) => {
    const id = b.nextId("device");
    rows.push({ id, cells: [[content(`${id}-code`, conceptText(d.device))], [d.udi ?? ""], [b.period(d.start, d.end)]] });
    return supply(b, `device.${d.id}`, id, ivlTs("effectiveTime", { start: d.start, end: d.end }), b.coded("code", d.device, "device.code", `${id}-code`), d.udi);
  });
  return section(b, SPEC, [narrativeTable(b.labels.headers.devices, rows)], entries);
}
