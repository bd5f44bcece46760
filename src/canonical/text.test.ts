// The text forms shared by the CDA narratives and the Level 1 PDFs, including the variants each
// keeps (concept wording, ratio style) so that both renderings stay as they were.
import { expect } from "chai";
import type { MedicinalProduct, Quantity } from "./model";
import { conceptText, dateText, dosageText, nameText, periodText, quantityText, ratioText, strengthText, valueText } from "./text";

const q = (value: string, unit: string): Quantity => ({ value, unit });
const coded = { coding: { code: "J45", system: "1.2.3", display: "Asthma" }, text: "Asthme" };

describe("canonical text", () => {
  it("words a concept text-first (narratives) or display-first (PDF), the code last", () => {
    expect(conceptText(coded)).to.equal("Asthme");
    expect(conceptText(coded, "display-first")).to.equal("Asthma");
    expect(conceptText({ coding: { code: "J45", system: "1.2.3" } })).to.equal("J45");
    expect(conceptText({ coding: { code: "J45", system: "1.2.3" } }, "display-first")).to.equal("J45");
    expect(conceptText({ text: "", coding: { code: "J45", system: "1.2.3", display: "Asthma" } })).to.equal("Asthma");
    expect(conceptText(undefined)).to.equal("");
  });

  it("writes a dimensionless quantity as its number", () => {
    expect(quantityText(q("30", "1"))).to.equal("30");
    expect(quantityText(q("2.5", "mg"))).to.equal("2.5 mg");
    expect(quantityText(undefined)).to.equal("");
  });

  it("writes ratios in the three styles in use", () => {
    const perMl = { numerator: q("100", "[iU]"), denominator: q("1", "mL") };
    const perOne = { numerator: q("500", "mg"), denominator: q("1", "1") };
    const per5Ml = { numerator: q("250", "mg"), denominator: q("5", "mL") };
    expect([perMl, perOne, per5Ml].map((r) => ratioText(r))).to.deep.equal(["100 [iU]/mL", "500 mg", "250 mg/5 mL"]);
    const strength = { separator: " / ", unitDenominator: "quantity" } as const;
    expect([perMl, perOne, per5Ml].map((r) => ratioText(r, strength))).to.deep.equal(["100 [iU] / 1 mL", "500 mg", "250 mg / 5 mL"]);
    const full = { unitDenominator: "quantity", omitDenominatorOne: false } as const;
    expect([perMl, perOne, per5Ml].map((r) => ratioText(r, full))).to.deep.equal(["100 [iU]/1 mL", "500 mg/1", "250 mg/5 mL"]);
  });

  it("joins the strengths of a product's ingredients, skipping those without", () => {
    const product: MedicinalProduct = {
      name: "Combo",
      ingredients: [
        { substance: { text: "a" }, strength: { numerator: q("5", "mg"), denominator: q("1", "1") } },
        { substance: { text: "b" } },
        { substance: { text: "c" }, strength: { numerator: q("12.5", "mg"), denominator: q("1", "mL") } },
      ],
    };
    expect(strengthText(product)).to.equal("5 mg + 12.5 mg / 1 mL");
  });

  it("writes observation values, a range with its open side left out", () => {
    expect(valueText({ kind: "range", low: q("4", "mmol/L"), high: q("6", "mmol/L") })).to.equal("≥ 4 mmol/L ≤ 6 mmol/L");
    expect(valueText({ kind: "range", high: q("6", "mmol/L") })).to.equal("≤ 6 mmol/L");
    expect(valueText({ kind: "coded", concept: coded }, "display-first")).to.equal("Asthma");
    expect(valueText({ kind: "quantity", quantity: q("37.5", "Cel") })).to.equal("37.5 Cel");
    expect(valueText(undefined)).to.equal("");
  });

  it("keeps partial dates, shortens times to minutes, and words periods and dosages", () => {
    expect([dateText("1968"), dateText("1968-10"), dateText("2024-03-01T10:15:30Z")]).to.deep.equal(["1968", "1968-10", "2024-03-01 10:15"]);
    expect([periodText({ start: "2020", end: "2021-03" }), periodText({ start: "2020" }), periodText({ end: "2021" }), periodText({})]).to.deep.equal([
      "2020 to 2021-03",
      "from 2020",
      "until 2021",
      "",
    ]);
    expect(dosageText([{ dose: q("1", "1"), frequency: 3, period: q("1", "d"), when: ["ACM"], route: coded }, { text: "as needed" }], "display-first")).to.equal(
      "1 3 time(s) every 1 d (ACM) Asthma; as needed",
    );
    expect(nameText({ prefix: ["Dr"], given: ["Anna", "Maria"], family: "Schmit" })).to.equal("Dr Anna Maria Schmit");
  });
});
