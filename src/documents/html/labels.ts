// Fixed words of the clinician HTML rendering, in the clinician's language (issue 6: fr, de, en).
// Clinical words (section titles, coded values) come from the document itself, translated into that
// language by the pivot translation (src/documents/cda/translate.ts); only the page's own words are here.
import type { ClinicianLanguage } from "../../exchange/queue/jobs";

export interface HtmlLabels {
  readonly patient: string;
  readonly identifiers: string;
  readonly birthDate: string;
  readonly gender: string;
  readonly address: string;
  readonly document: string;
  readonly documentDate: string;
  readonly author: string;
  readonly custodian: string;
  readonly language: string;
  readonly item: string;
  readonly details: string;
  readonly date: string;
  readonly status: string;
  readonly noEntries: string;
  /** A Level 1 document: its content is a PDF, not structured sections. */
  readonly level1: string;
  readonly genders: Readonly<Record<string, string>>;
  readonly from: string;
  readonly to: string;
}

const en: HtmlLabels = {
  patient: "Patient", identifiers: "Identifiers", birthDate: "Date of birth", gender: "Sex", address: "Address",
  document: "Document", documentDate: "Date", author: "Author", custodian: "Custodian", language: "Original language",
  item: "Item", details: "Details", date: "Date", status: "Status", noEntries: "No structured entries.",
  level1: "This document is a PDF rendering (eHDSI Level 1) without structured sections: open the PDF.",
  genders: { M: "male", F: "female", UN: "undifferentiated", UNK: "unknown" }, from: "from", to: "to",
};
const fr: HtmlLabels = {
  patient: "Patient", identifiers: "Identifiants", birthDate: "Date de naissance", gender: "Sexe", address: "Adresse",
  document: "Document", documentDate: "Date", author: "Auteur", custodian: "Responsable", language: "Langue d'origine",
  item: "Élément", details: "Détails", date: "Date", status: "Statut", noEntries: "Aucune entrée structurée.",
  level1: "Ce document est un PDF (niveau 1 eHDSI) sans sections structurées : ouvrez le PDF.",
  genders: { M: "masculin", F: "féminin", UN: "indifférencié", UNK: "inconnu" }, from: "depuis", to: "jusqu'au",
};
const de: HtmlLabels = {
  patient: "Patient", identifiers: "Kennungen", birthDate: "Geburtsdatum", gender: "Geschlecht", address: "Adresse",
  document: "Dokument", documentDate: "Datum", author: "Autor", custodian: "Verwahrer", language: "Originalsprache",
  item: "Eintrag", details: "Details", date: "Datum", status: "Status", noEntries: "Keine strukturierten Einträge.",
  level1: "Dieses Dokument ist ein PDF (eHDSI-Level 1) ohne strukturierte Abschnitte: Öffnen Sie das PDF.",
  genders: { M: "männlich", F: "weiblich", UN: "unbestimmt", UNK: "unbekannt" }, from: "ab", to: "bis",
};

const BY_LANGUAGE: Readonly<Record<ClinicianLanguage, HtmlLabels>> = { en, fr, de };

export function htmlLabelsFor(language: ClinicianLanguage): HtmlLabels {
  return BY_LANGUAGE[language];
}
