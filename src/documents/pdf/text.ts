// Text for the Level 1 PDF. Decision (issue 2 "Level 1"): the PDF uses the 14 standard PDF fonts
// (Helvetica), which pdf-lib encodes in WinAnsi only. Embedding a Unicode TTF would add a font
// package and ~0.3-0.7 MB per document; instead every character outside WinAnsi is written as its
// closest WinAnsi form: accents outside WinAnsi lose their diacritic (ő → o, ł → l, ș → s), Greek
// and Cyrillic are transliterated (ELOT 743 / ISO 9 simplified: Παπαδόπουλος → Papadopoulos,
// Иванов → Ivanov), anything else becomes "?". Nothing can make the renderer throw. The L1 is a
// convenience for a person; the L3 (and the L1's header) keep the exact text.
import { cleanXmlText } from "../../shared/xml";

const GREEK: Record<string, string> = {
  α: "a", β: "v", γ: "g", δ: "d", ε: "e", ζ: "z", η: "i", θ: "th", ι: "i", κ: "k", λ: "l", μ: "m", ν: "n", ξ: "x",
  ο: "o", π: "p", ρ: "r", σ: "s", ς: "s", τ: "t", υ: "y", φ: "f", χ: "ch", ψ: "ps", ω: "o",
};
const CYRILLIC: Record<string, string> = {
  а: "a", б: "b", в: "v", г: "g", ґ: "g", д: "d", е: "e", ё: "e", є: "ye", ж: "zh", з: "z", и: "i", і: "i", ї: "yi", й: "y",
  к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "kh", ц: "ts", ч: "ch",
  ш: "sh", щ: "sht", ъ: "a", ы: "y", ь: "", э: "e", ю: "yu", я: "ya", ђ: "dj", ј: "j", љ: "lj", њ: "nj", ћ: "c", џ: "dz",
};
const OTHER: Record<string, string> = {
  ł: "l", Ł: "L", đ: "d", Đ: "D", ı: "i", ħ: "h", Ħ: "H", ŧ: "t", Ŧ: "T", ø: "ø", "\u2212": "-", "\u2010": "-", "\u2011": "-",
  "\u00A0": " ", "\u2009": " ", "\u202F": " ", "\u2264": "<=", "\u2265": ">=", "\u00B5": "µ", "\u03BC": "µ",
};

function fromTable(ch: string): string | undefined {
  const lower = ch.toLowerCase();
  const t = GREEK[lower] ?? CYRILLIC[lower] ?? OTHER[ch];
  if (t === undefined) return undefined;
  if (OTHER[ch] !== undefined || ch === lower) return t;
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A function that rewrites any string into characters of `supported` (a font's character set). */
export function winAnsiSanitiser(supported: ReadonlySet<number>): (s: string) => string {
  const ok = (s: string) => [...s].every((c) => supported.has(c.codePointAt(0) as number));
  const cache = new Map<string, string>();
  const one = (ch: string): string => {
    if (ok(ch)) return ch;
    const cached = cache.get(ch);
    if (cached !== undefined) return cached;
    let out = "?";
    const table = fromTable(ch);
    const stripped = ch.normalize("NFD").replace(/\p{M}+/gu, "");
    if (table !== undefined && ok(table)) out = table;
    else if (stripped && ok(stripped)) out = stripped;
    else {
      const t2 = fromTable(stripped);
      if (t2 !== undefined && ok(t2)) out = t2;
    }
    cache.set(ch, out);
    return out;
  };
  return (input: string) => {
    // Control characters are dropped (as in the XML), tabs become spaces.
    const s = cleanXmlText(input).replace(/\t/g, " ");
    if (ok(s)) return s;
    // Keep composed forms where WinAnsi has them (e + combining acute → é).
    let out = "";
    // ELOT 743 digraph: ου is "ou" (before the letter-by-letter table, which gives "oy").
    const digraphs = s.normalize("NFC").replace(/ο[υύ]/g, "ou").replace(/Ο[υύ]/g, "Ou").replace(/Ο[ΥΎ]/g, "OU");
    for (const ch of digraphs) out += one(ch);
    return out;
  };
}
