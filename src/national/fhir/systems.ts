// International HL7 code systems that FHIR IPS bundles use and that the shared table does not list
// yet, registered with their HL7 OIDs (HL7 OID registry) so that such bundles translate.
import { registerCodeSystem } from "../../terminology/code-systems";

const HL7_SYSTEMS = [
  { oid: "2.16.840.1.113883.6.43.1", uri: "http://terminology.hl7.org/CodeSystem/icd-o-3", name: "ICD-O-3" },
  { oid: "2.16.840.1.113883.12.292", uri: "http://hl7.org/fhir/sid/cvx", name: "CVX" },
  { oid: "2.16.840.1.113883.5.112", uri: "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", name: "RouteOfAdministration" },
  { oid: "2.16.840.1.113883.12.131", uri: "http://terminology.hl7.org/CodeSystem/v2-0131", name: "Contact Role" },
  { oid: "2.16.840.1.113883.5.83", uri: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", name: "ObservationInterpretation" },
  { oid: "2.16.840.1.113883.5.139", uri: "http://terminology.hl7.org/CodeSystem/v3-TimingEvent", name: "TimingEvent" },
] as const;

for (const cs of HL7_SYSTEMS) registerCodeSystem(cs);
