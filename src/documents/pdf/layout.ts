// A small flowing layout over pdf-lib for the Level 1 renderings: A4 pages, a title, headings,
// paragraphs, label/value lines and tables whose cells wrap; a new page when the next line does not
// fit (a table repeats its header row), and "page i of n" in every footer. Text goes through the
// WinAnsi sanitiser (text.ts) so that no character can make pdf-lib throw.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import { winAnsiSanitiser } from "./text";

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const FOOTER = 30;
const BODY = 9.5;
const LEADING = 1.3;
const GREY = rgb(0.35, 0.35, 0.35);
const RULE = rgb(0.75, 0.75, 0.75);
const HEADER_FILL = rgb(0.9, 0.92, 0.95);

export interface PdfMeta {
  title: string;
  subject: string;
  /** BCP 47 language of the content. */
  language: string;
  /** Creation date written in the PDF (injected: repeatable output). */
  date: Date;
}

export interface Column {
  header: string;
  /** Share of the text width (the shares of a table add up to 1). */
  share: number;
}

export class PdfLayout {
  private page!: PDFPage;
  private y = 0;
  private readonly clean: (s: string) => string;

  private constructor(
    private readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.clean = winAnsiSanitiser(new Set([...regular.getCharacterSet()].filter((c) => bold.getCharacterSet().includes(c))));
    this.newPage();
  }

  static async create(meta: PdfMeta): Promise<PdfLayout> {
    const doc = await PDFDocument.create();
    doc.setTitle(meta.title);
    doc.setSubject(meta.subject);
    doc.setLanguage(meta.language);
    doc.setCreator("Passerelle");
    doc.setProducer("Passerelle (pdf-lib)");
    doc.setCreationDate(meta.date);
    doc.setModificationDate(meta.date);
    const regular = await doc.embedFont(StandardFonts.Helvetica);
    const bold = await doc.embedFont(StandardFonts.HelveticaBold);
    return new PdfLayout(doc, regular, bold);
  }

  private get width(): number {
    return A4[0] - 2 * MARGIN;
  }

  private newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  /** Moves down by `height`, starting a new page first when it does not fit. */
  private reserve(height: number): void {
    if (this.y - height < MARGIN + FOOTER) this.newPage();
    this.y -= height;
  }

  private available(): number {
    return this.y - (MARGIN + FOOTER);
  }

  /** Splits text into lines no wider than `width` (long words are cut). */
  wrap(text: string, font: PDFFont, size: number, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of this.clean(text).split(/\r?\n/)) {
      let line = "";
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        const candidate = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(candidate, size) <= width) {
          line = candidate;
          continue;
        }
        if (line) lines.push(line);
        line = word;
        while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
          let cut = line.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
          lines.push(line.slice(0, cut));
          line = line.slice(cut);
        }
      }
      lines.push(line);
    }
    return lines;
  }

  private lines(text: string, o: { size?: number; bold?: boolean; indent?: number; color?: ReturnType<typeof rgb> } = {}): void {
    const size = o.size ?? BODY;
    const font = o.bold ? this.bold : this.regular;
    const indent = o.indent ?? 0;
    for (const line of this.wrap(text, font, size, this.width - indent)) {
      this.reserve(size * LEADING);
      this.page.drawText(line, { x: MARGIN + indent, y: this.y, size, font, color: o.color ?? rgb(0, 0, 0) });
    }
  }

  title(text: string, subtitle?: string): void {
    this.lines(text, { size: 18, bold: true });
    if (subtitle) this.lines(subtitle, { size: 10, color: GREY });
    this.spacer(6);
  }

  heading(text: string): void {
    if (this.available() < 60) this.newPage();
    this.spacer(8);
    this.lines(text, { size: 12.5, bold: true });
    this.reserve(3);
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.6, color: RULE });
    this.spacer(4);
  }

  paragraph(text: string, o: { bold?: boolean; italic?: boolean } = {}): void {
    this.lines(text, { bold: o.bold, color: o.italic ? GREY : undefined });
  }

  /** "Label: value" lines, the labels in bold in a first column. */
  fields(pairs: [string, string | undefined][]): void {
    const labelWidth = 130;
    for (const [label, value] of pairs) {
      if (!value) continue;
      const valueLines = this.wrap(value, this.regular, BODY, this.width - labelWidth);
      valueLines.forEach((line, i) => {
        this.reserve(BODY * LEADING);
        if (i === 0) this.page.drawText(this.clean(label), { x: MARGIN, y: this.y, size: BODY, font: this.bold });
        this.page.drawText(line, { x: MARGIN + labelWidth, y: this.y, size: BODY, font: this.regular });
      });
    }
  }

  table(columns: Column[], rows: string[][]): void {
    const size = BODY - 0.5;
    const lineHeight = size * LEADING;
    const pad = 3;
    const widths = columns.map((c) => c.share * this.width);
    const drawRow = (cells: string[][], header: boolean): void => {
      let remaining = cells;
      while (remaining.some((c) => c.length > 0)) {
        const most = Math.max(...remaining.map((c) => c.length));
        let fit = Math.floor((this.available() - 2 * pad) / lineHeight);
        if (fit < 1) {
          this.newPage();
          if (!header) drawHeader();
          fit = Math.floor((this.available() - 2 * pad) / lineHeight);
        }
        const n = Math.min(most, fit);
        const height = n * lineHeight + 2 * pad;
        const top = this.y;
        this.reserve(height);
        if (header) this.page.drawRectangle({ x: MARGIN, y: this.y, width: this.width, height, color: HEADER_FILL });
        let x = MARGIN;
        remaining.forEach((cellLines, i) => {
          cellLines.slice(0, n).forEach((line, j) => {
            this.page.drawText(line, { x: x + pad, y: top - pad - (j + 1) * lineHeight + size * 0.25, size, font: header ? this.bold : this.regular });
          });
          x += widths[i] as number;
        });
        this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.4, color: RULE });
        remaining = remaining.map((c) => c.slice(n));
        if (remaining.some((c) => c.length > 0)) {
          this.newPage();
          if (!header) drawHeader();
        }
      }
    };
    const wrapCells = (cells: string[], font: PDFFont) => cells.map((c, i) => this.wrap(c || "-", font, size, (widths[i] as number) - 2 * pad));
    const headerCells = wrapCells(columns.map((c) => c.header), this.bold);
    const drawHeader = () => drawRow(headerCells, true);
    const headerHeight = Math.max(...headerCells.map((c) => c.length)) * lineHeight + 2 * pad;
    if (this.available() < headerHeight + 2 * lineHeight + 4 * pad) this.newPage();
    drawHeader();
    for (const row of rows) {
      const cells = wrapCells(row, this.regular);
      const height = Math.max(...cells.map((c) => c.length)) * lineHeight + 2 * pad;
      // Keep a row on one page when it can fit on a fresh one.
      if (height > this.available() && height <= A4[1] - 2 * MARGIN - FOOTER - headerHeight) {
        this.newPage();
        drawHeader();
      }
      drawRow(cells, false);
    }
    this.spacer(4);
  }

  spacer(height: number): void {
    this.y -= Math.min(height, this.available());
  }

  /** Writes the footer (text, then "page i of n") on every page and returns the PDF bytes. */
  async finish(footer: string): Promise<Uint8Array> {
    const pages = this.doc.getPages();
    const size = 7.5;
    const text = this.clean(footer);
    pages.forEach((page, i) => {
      const label = `Page ${i + 1} of ${pages.length}`;
      page.drawText(text, { x: MARGIN, y: MARGIN - 10, size, font: this.regular, color: GREY });
      page.drawText(label, { x: A4[0] - MARGIN - this.regular.widthOfTextAtSize(label, size), y: MARGIN - 10, size, font: this.regular, color: GREY });
    });
    return this.doc.save({ useObjectStreams: false });
  }
}
