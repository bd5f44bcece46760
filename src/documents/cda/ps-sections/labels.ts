// Fixed words of the PS narrative (section titles, table headings, absent/unknown statements,
// period phrases) in the document's language (ClinicalDocument/languageCode = the record's
// language), so that a French record reads as French throughout, as the Luxembourg pivot PS does.
// Languages: en, fr, de (the catalogue's); anything else falls back to English.

export interface Labels {
  /** ClinicalDocument/title */
  documentTitle: string;
  titles: {
    medications: string; allergies: string; problems: string; procedures: string; devices: string; immunizations: string;
    pastIllnesses: string; pregnancy: string; socialHistory: string; vitalSigns: string; results: string; advanceDirectives: string; functionalStatus: string;
  };
  headers: {
    medications: string[]; allergies: string[]; problems: string[]; pastIllnesses: string[]; procedures: string[]; devices: string[];
    immunizations: string[]; observations: string[]; pregnancy: string[]; advanceDirectives: string[];
  };
  absent: Record<"allergies" | "medications" | "problems" | "procedures" | "devices", Record<"no-information" | "known-absent", string>>;
  status: Record<"active" | "inactive" | "resolved", string>;
  currentPregnancy: string;
  previousPregnancies: string;
  estimatedDelivery: string;
  since: (d: string) => string;
  until: (d: string) => string;
  per: string;
}

const en: Labels = {
  documentTitle: "Patient Summary",
  titles: {
    medications: "History of medication use", allergies: "Allergies and adverse reactions", problems: "Active problems", procedures: "History of procedures",
    devices: "Medical devices", immunizations: "Immunizations", pastIllnesses: "History of past illness", pregnancy: "History of pregnancies",
    socialHistory: "Social history", vitalSigns: "Vital signs", results: "Results", advanceDirectives: "Advance directives", functionalStatus: "Functional status",
  },
  headers: {
    medications: ["Medicinal product", "Active ingredients [strength]", "Dose form", "Dose", "Dosage", "Period", "Route", "Reason"],
    allergies: ["Type", "Agent", "Reactions", "Time", "Criticality", "Certainty", "Status"],
    problems: ["Problem", "Time", "Status", "Severity"],
    pastIllnesses: ["Problem", "Time", "Status", "Severity", "Outcome"],
    procedures: ["Procedure", "Date", "Body site"],
    devices: ["Device", "Identifier (UDI)", "Period of use"],
    immunizations: ["Vaccine", "Product", "Date", "Target diseases", "Dose number", "Lot"],
    observations: ["Observation", "Value", "Time", "Interpretation"],
    pregnancy: ["", "Status / outcome", "Date", "Detail"],
    advanceDirectives: ["Directive", "Details", "Period"],
  },
  absent: {
    allergies: { "no-information": "No information about allergies", "known-absent": "No known allergies" },
    medications: { "no-information": "No information about medications", "known-absent": "No known medications" },
    problems: { "no-information": "No information about problems", "known-absent": "No known problems" },
    procedures: { "no-information": "No information about past history of procedures", "known-absent": "No known procedures" },
    devices: { "no-information": "No information about medical devices", "known-absent": "No known devices in use" },
  },
  status: { active: "active", inactive: "inactive", resolved: "resolved" },
  currentPregnancy: "Current pregnancy",
  previousPregnancies: "Previous pregnancies",
  estimatedDelivery: "Estimated delivery",
  since: (d) => `since ${d}`,
  until: (d) => `until ${d}`,
  per: "per",
};

const fr: Labels = {
  documentTitle: "Résumé patient",
  titles: {
    medications: "Historique de la prise médicamenteuse", allergies: "Allergies et effets indésirables", problems: "Problèmes actifs", procedures: "Antécédents d'interventions",
    devices: "Dispositifs médicaux", immunizations: "Vaccinations", pastIllnesses: "Antécédents médicaux", pregnancy: "Historique des grossesses",
    socialHistory: "Mode de vie", vitalSigns: "Signes vitaux", results: "Résultats", advanceDirectives: "Directives anticipées", functionalStatus: "État fonctionnel",
  },
  headers: {
    medications: ["Médicament", "Principes actifs [dosage]", "Forme pharmaceutique", "Dose", "Posologie", "Période", "Voie", "Motif"],
    allergies: ["Type", "Agent", "Réactions", "Période", "Criticité", "Certitude", "Statut"],
    problems: ["Problème", "Période", "Statut", "Sévérité"],
    pastIllnesses: ["Problème", "Période", "Statut", "Sévérité", "Évolution"],
    procedures: ["Intervention", "Date", "Site anatomique"],
    devices: ["Dispositif", "Identifiant (IUD)", "Période d'utilisation"],
    immunizations: ["Vaccin", "Produit", "Date", "Maladies ciblées", "Numéro de dose", "Lot"],
    observations: ["Observation", "Valeur", "Date", "Interprétation"],
    pregnancy: ["", "Statut / issue", "Date", "Détail"],
    advanceDirectives: ["Directive", "Détails", "Période"],
  },
  absent: {
    allergies: { "no-information": "Pas d'information sur les allergies", "known-absent": "Aucune allergie connue" },
    medications: { "no-information": "Pas d'information sur les médicaments", "known-absent": "Aucun médicament connu" },
    problems: { "no-information": "Pas d'information sur les problèmes", "known-absent": "Aucun problème connu" },
    procedures: { "no-information": "Pas d'information sur les interventions", "known-absent": "Aucune intervention connue" },
    devices: { "no-information": "Pas d'information sur les dispositifs médicaux", "known-absent": "Aucun dispositif médical connu" },
  },
  status: { active: "actif", inactive: "inactif", resolved: "résolu" },
  currentPregnancy: "Grossesse actuelle",
  previousPregnancies: "Grossesses antérieures",
  estimatedDelivery: "Accouchement prévu",
  since: (d) => `depuis le ${d}`,
  until: (d) => `jusqu'au ${d}`,
  per: "par",
};

const de: Labels = {
  documentTitle: "Patientenkurzakte",
  titles: {
    medications: "Medikationsverlauf", allergies: "Allergien und Unverträglichkeiten", problems: "Aktive Probleme", procedures: "Frühere Eingriffe",
    devices: "Medizinprodukte", immunizations: "Impfungen", pastIllnesses: "Frühere Erkrankungen", pregnancy: "Schwangerschaften",
    socialHistory: "Lebensstil", vitalSigns: "Vitalzeichen", results: "Befunde", advanceDirectives: "Patientenverfügungen", functionalStatus: "Funktioneller Status",
  },
  headers: {
    medications: ["Arzneimittel", "Wirkstoffe [Stärke]", "Darreichungsform", "Dosis", "Dosierung", "Zeitraum", "Art der Anwendung", "Grund"],
    allergies: ["Typ", "Auslöser", "Reaktionen", "Zeitraum", "Kritikalität", "Sicherheit", "Status"],
    problems: ["Problem", "Zeitraum", "Status", "Schweregrad"],
    pastIllnesses: ["Problem", "Zeitraum", "Status", "Schweregrad", "Verlauf"],
    procedures: ["Eingriff", "Datum", "Körperstelle"],
    devices: ["Medizinprodukt", "Kennung (UDI)", "Anwendungszeitraum"],
    immunizations: ["Impfstoff", "Produkt", "Datum", "Zielkrankheiten", "Dosisnummer", "Charge"],
    observations: ["Beobachtung", "Wert", "Zeitpunkt", "Bewertung"],
    pregnancy: ["", "Status / Ausgang", "Datum", "Detail"],
    advanceDirectives: ["Verfügung", "Einzelheiten", "Zeitraum"],
  },
  absent: {
    allergies: { "no-information": "Keine Informationen zu Allergien", "known-absent": "Keine bekannten Allergien" },
    medications: { "no-information": "Keine Informationen zu Medikamenten", "known-absent": "Keine bekannten Medikamente" },
    problems: { "no-information": "Keine Informationen zu Problemen", "known-absent": "Keine bekannten Probleme" },
    procedures: { "no-information": "Keine Informationen zu Eingriffen", "known-absent": "Keine bekannten Eingriffe" },
    devices: { "no-information": "Keine Informationen zu Medizinprodukten", "known-absent": "Keine bekannten Medizinprodukte" },
  },
  status: { active: "aktiv", inactive: "inaktiv", resolved: "abgeklungen" },
  currentPregnancy: "Aktuelle Schwangerschaft",
  previousPregnancies: "Frühere Schwangerschaften",
  estimatedDelivery: "Voraussichtlicher Geburtstermin",
  since: (d) => `seit ${d}`,
  until: (d) => `bis ${d}`,
  per: "pro",
};

const BY_LANGUAGE: Record<string, Labels> = { en, fr, de };

/** The labels for a BCP 47 language tag (primary subtag; English when we have none). */
export function labelsFor(language: string): Labels {
  return BY_LANGUAGE[language.toLowerCase().split(/[-_]/)[0] ?? ""] ?? en;
}
