import { fileURLToPath } from "node:url";
import PDFDocument from "pdfkit";
import QRCode from "qrcode";

export interface FlyerInput {
  title: string;
  description: string | null;
  /** "Text SIGN PMSUBG to 50409": printed large, and on every tear-off strip. */
  callToAction: string | null;
  /** Opened by the QR code and printed on the tear-off strips. */
  link: string | null;
  size: "a4" | "letter";
  /** Translated by the caller: "Scan to sign", and the heading of each strip ("Sign the petition"). */
  labels: { scan: string; tearOff: string };
}

/** Descriptions longer than this are shortened: the flyer is read in passing, not studied. */
export const descriptionLimit = 400;

// Noto Sans 2.015 (Latin, Greek, Cyrillic in one file), bundled so no machine font is ever used.
// pdfkit caches fonts by this name (the path) within a document and embeds only used glyphs.
const fonts = {
  regular: fileURLToPath(new URL("../../assets/fonts/NotoSans-Regular.ttf", import.meta.url)),
  bold: fileURLToPath(new URL("../../assets/fonts/NotoSans-Bold.ttf", import.meta.url)),
} as const;

type FontName = keyof typeof fonts;

const colors = {
  ink: "#101828",
  muted: "#475467",
  accent: "#b42318",
  panel: "#fef3f2",
  cut: "#667085",
  white: "#ffffff",
} as const;

const pages = {
  a4: { name: "A4", width: 595.28, height: 841.89 },
  letter: { name: "LETTER", width: 612, height: 792 },
} as const;

const margin = 50;
const stripCount = 8;
const stripHeight = 150;
/** Kept blank at the bottom edge of the sheet, where most printers cannot print. */
const printerMargin = 20;
const qrBox = 168;

// --- Text helpers, shared with the share card -----------------------------------------------

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

// Noto Sans has no emoji: they would print as empty boxes, so they are left out.
const emoji = /\p{Emoji_Presentation}|\p{Regional_Indicator}|\uFE0F|\u20E3/u;
const pictographic = /\p{Extended_Pictographic}/u;
const latinSymbols = /^[\u00A9\u00AE\u2000-\u206F\u2122]$/u;

/** The text without emoji (whole graphemes: flags, skin tones, families), spaces collapsed. */
export function withoutEmoji(text: string): string {
  let kept = "";
  for (const { segment } of graphemes.segment(text)) {
    const dropped =
      emoji.test(segment) ||
      [...segment].some((char) => pictographic.test(char) && !latinSymbols.test(char));
    if (!dropped) kept += segment;
  }
  return kept.replace(/\s+/g, " ").trim();
}

function graphemeCount(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

/** Punctuation that reads wrong right before an ellipsis: "we demand, …". */
const danglingPunctuation = /[\s,;:\-–—(«„"“']+$/u;

/**
 * Shortens text to at most `max` graphemes for print. Whole sentences are kept when they fill
 * at least half of the room; otherwise the text is cut after the last whole word that fits,
 * with an ellipsis. Only a single word longer than the room is ever cut inside, at a grapheme.
 */
export function shortenDescription(text: string, max = descriptionLimit): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (graphemeCount(clean) <= max) return clean;

  let sentences = "";
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "sentence" }).segment(
    clean,
  )) {
    if (graphemeCount((sentences + segment).trimEnd()) > max) break;
    sentences += segment;
  }
  sentences = sentences.trimEnd();
  if (graphemeCount(sentences) >= max / 2) return sentences;

  const budget = max - 1; // the ellipsis
  let wordEnd = 0;
  let length = 0;
  for (const { segment, index, isWordLike } of new Intl.Segmenter(undefined, {
    granularity: "word",
  }).segment(clean)) {
    length += graphemeCount(segment);
    if (length > budget) break;
    if (isWordLike) wordEnd = index + segment.length;
  }
  if (wordEnd > 0) return clean.slice(0, wordEnd).replace(danglingPunctuation, "") + "…";
  // One word longer than the whole room: cut between graphemes, never inside one.
  const parts = [...graphemes.segment(clean)].map((s) => s.segment);
  return parts.slice(0, budget).join("") + "…";
}

/**
 * Greedy word wrap with a width measure (PDF points or canvas pixels). A word wider than a
 * line on its own is split between graphemes rather than overflowing.
 */
export function wrapWords(
  text: string,
  maxWidth: number,
  measure: (text: string) => number,
): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (measure(candidate) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line !== "") lines.push(line);
    line = "";
    for (const { segment } of graphemes.segment(word)) {
      if (line !== "" && measure(line + segment) > maxWidth) {
        lines.push(line);
        line = "";
      }
      line += segment;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * The first `maxLines` lines, the last one ending in an ellipsis when text was left out;
 * whole words are dropped to make room for it.
 */
export function clampLines(
  lines: string[],
  maxLines: number,
  maxWidth: number,
  measure: (text: string) => number,
): string[] {
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const words = (kept.pop() ?? "").split(" ");
  let last = `${words.join(" ")}…`;
  while (words.length > 1 && measure(last) > maxWidth) {
    words.pop();
    last = `${words.join(" ").replace(danglingPunctuation, "")}…`;
  }
  if (measure(last) > maxWidth) {
    const parts = [...graphemes.segment(words[0] ?? "")].map((s) => s.segment);
    while (parts.length > 1 && measure(`${parts.join("")}…`) > maxWidth) parts.pop();
    last = `${parts.join("")}…`;
  }
  return [...kept, last];
}

export interface FittedText {
  size: number;
  lines: string[];
}

/**
 * The largest size (from `maxSize` down to `minSize`, in steps of 2) at which the text wraps
 * into `maxLines`; at the smallest size, whatever does not fit is cut with an ellipsis.
 */
export function fitText(
  text: string,
  options: { maxWidth: number; maxLines: number; maxSize: number; minSize: number },
  measure: (text: string, size: number) => number,
): FittedText {
  const { maxWidth, maxLines, maxSize, minSize } = options;
  for (let size = maxSize; size > minSize; size -= 2) {
    const lines = wrapWords(text, maxWidth, (t) => measure(t, size));
    if (lines.length <= maxLines) return { size, lines };
  }
  const at = (t: string) => measure(t, minSize);
  return {
    size: minSize,
    lines: clampLines(wrapWords(text, maxWidth, at), maxLines, maxWidth, at),
  };
}

// --- The flyer ----------------------------------------------------------------------------

type Doc = PDFKit.PDFDocument;

function measureWith(doc: Doc, font: FontName) {
  return (text: string, size: number) => doc.font(fonts[font]).fontSize(size).widthOfString(text);
}

/** Draws lines top-down from `y` and returns the y below the last one. */
function drawLines(
  doc: Doc,
  block: FittedText,
  at: { x: number; y: number; width: number; lineHeight: number; align: "left" | "center" },
  font: FontName,
  color: string,
): number {
  doc.font(fonts[font]).fontSize(block.size).fillColor(color);
  let y = at.y;
  for (const line of block.lines) {
    const offset = at.align === "center" ? (at.width - doc.widthOfString(line)) / 2 : 0;
    doc.text(line, at.x + offset, y, { lineBreak: false });
    y += block.size * at.lineHeight;
  }
  return y;
}

function blockHeight(block: FittedText, lineHeight: number): number {
  return block.lines.length * block.size * lineHeight;
}

/** Vector QR code, quiet zone included, in one path so no seams show between modules. */
function drawQrCode(doc: Doc, link: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(link, { errorCorrectionLevel: "M" });
  const quiet = 4;
  const cell = size / (modules.size + 2 * quiet);
  doc.rect(x, y, size, size).fill(colors.white);
  for (let row = 0; row < modules.size; row += 1) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col += 1;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col += 1;
      doc.rect(x + (quiet + start) * cell, y + (quiet + row) * cell, (col - start) * cell, cell);
    }
  }
  doc.fill(colors.ink);
}

/** What someone types after tearing a strip off: the link without its "https://". */
function shownLink(link: string): string {
  return link.replace(/^https:\/\//i, "").replace(/\/$/, "");
}

function drawTearOffs(doc: Doc, lines: { text: string; font: FontName; size: number }[]): void {
  const { width, height } = doc.page;
  const top = height - stripHeight;
  const stripWidth = width / stripCount;
  const length = stripHeight - printerMargin - 14;

  doc.save().lineWidth(0.75).strokeColor(colors.cut).dash(4, { space: 3 });
  doc.moveTo(0, top).lineTo(width, top);
  for (let i = 1; i < stripCount; i += 1) {
    doc.moveTo(i * stripWidth, top).lineTo(i * stripWidth, height);
  }
  doc.stroke().restore();

  const fitted = lines.map((line) => {
    let size = line.size;
    const measure = measureWith(doc, line.font);
    while (size > 5.5 && measure(line.text, size) > length) size -= 0.5;
    return {
      ...line,
      size,
      text: clampLines([line.text, ""], 1, length, (t) => measure(t, size))[0] ?? "",
    };
  });
  const lineHeight = (size: number) => size * 1.3;
  const thickness = fitted.reduce((sum, line) => sum + lineHeight(line.size), 0);

  for (let i = 0; i < stripCount; i += 1) {
    doc.save();
    // Rotated a quarter turn: each strip reads bottom to top, lines stacked left to right.
    doc.translate((i + 0.5) * stripWidth - thickness / 2, height - printerMargin - 7).rotate(-90);
    let y = 0;
    for (const line of fitted) {
      doc.font(fonts[line.font]).fontSize(line.size).fillColor(colors.ink);
      const x = (length - doc.widthOfString(line.text)) / 2;
      doc.text(line.text, x, y, { lineBreak: false });
      y += lineHeight(line.size);
    }
    doc.restore();
  }
}

/** A one-page, print-ready PDF poster for a campaign, with a QR code and tear-off strips. */
export async function renderFlyer(input: FlyerInput): Promise<Buffer> {
  const page = pages[input.size];
  const title = withoutEmoji(input.title);
  const description = shortenDescription(withoutEmoji(input.description ?? ""));
  const callToAction = withoutEmoji(input.callToAction ?? "");
  const link = input.link?.trim() ?? "";

  const doc = new PDFDocument({
    size: page.name,
    margin: 0,
    // Without this pdfkit loads Helvetica, which has no Cyrillic; the bundled font is used instead.
    font: fonts.regular,
    info: { Title: title, Creator: "Rally" },
    displayTitle: true,
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const contentWidth = page.width - 2 * margin;
  const stripLines = [
    { text: withoutEmoji(input.labels.tearOff), font: "bold" as const, size: 8.5 },
    ...(callToAction ? [{ text: callToAction, font: "regular" as const, size: 8 }] : []),
    ...(link ? [{ text: shownLink(link), font: "regular" as const, size: 8 }] : []),
  ];
  const hasStrips = stripLines.length > 1;
  const contentBottom = hasStrips ? page.height - stripHeight - 30 : page.height - margin;

  // Title.
  const bold = measureWith(doc, "bold");
  const regular = measureWith(doc, "regular");
  const titleBlock = fitText(
    title,
    { maxWidth: contentWidth, maxLines: 4, maxSize: 46, minSize: 24 },
    bold,
  );
  let y = drawLines(
    doc,
    titleBlock,
    { x: margin, y: margin, width: contentWidth, lineHeight: 1.12, align: "left" },
    "bold",
    colors.ink,
  );
  y += 12;
  doc.rect(margin, y, 72, 5).fill(colors.accent);
  y += 5 + 22;

  // The call to action panel, anchored above the strips; the description fills what is left.
  let panelHeight = 0;
  const pad = 24;
  let drawPanel: (top: number) => void = () => {};
  if (link) {
    const textWidth = contentWidth - qrBox - 3 * pad;
    const main = fitText(
      callToAction || shownLink(link),
      { maxWidth: textWidth, maxLines: 4, maxSize: 34, minSize: 18 },
      bold,
    );
    const sub = callToAction
      ? fitText(
          shownLink(link),
          { maxWidth: textWidth, maxLines: 2, maxSize: 14, minSize: 10 },
          regular,
        )
      : null;
    const scan = fitText(
      withoutEmoji(input.labels.scan),
      { maxWidth: qrBox, maxLines: 1, maxSize: 13, minSize: 9 },
      bold,
    );
    const textHeight = blockHeight(main, 1.15) + (sub ? 12 + blockHeight(sub, 1.3) : 0);
    const qrHeight = qrBox + 8 + blockHeight(scan, 1.2);
    panelHeight = Math.max(textHeight, qrHeight) + 2 * pad;
    drawPanel = (top) => {
      doc.roundedRect(margin, top, contentWidth, panelHeight, 10).fill(colors.panel);
      doc.rect(margin, top, 6, panelHeight).fill(colors.accent);
      const textTop = top + (panelHeight - textHeight) / 2;
      const below = drawLines(
        doc,
        main,
        { x: margin + pad + 6, y: textTop, width: textWidth, lineHeight: 1.15, align: "left" },
        "bold",
        colors.accent,
      );
      if (sub) {
        drawLines(
          doc,
          sub,
          { x: margin + pad + 6, y: below + 12, width: textWidth, lineHeight: 1.3, align: "left" },
          "regular",
          colors.ink,
        );
      }
      const qrX = margin + contentWidth - pad - qrBox;
      const qrTop = top + (panelHeight - qrHeight) / 2;
      drawQrCode(doc, link, qrX, qrTop, qrBox);
      drawLines(
        doc,
        scan,
        { x: qrX, y: qrTop + qrBox + 8, width: qrBox, lineHeight: 1.2, align: "center" },
        "bold",
        colors.ink,
      );
    };
  } else if (callToAction) {
    // No link, no QR code: the call to action takes the whole panel, bigger.
    const main = fitText(
      callToAction,
      { maxWidth: contentWidth - 2 * pad - 6, maxLines: 3, maxSize: 48, minSize: 22 },
      bold,
    );
    panelHeight = blockHeight(main, 1.15) + 2 * 30;
    drawPanel = (top) => {
      doc.roundedRect(margin, top, contentWidth, panelHeight, 10).fill(colors.panel);
      doc.rect(margin, top, 6, panelHeight).fill(colors.accent);
      drawLines(
        doc,
        main,
        {
          x: margin + 6 + pad,
          y: top + 30,
          width: contentWidth - 2 * pad - 6,
          lineHeight: 1.15,
          align: "center",
        },
        "bold",
        colors.accent,
      );
    };
  }
  const panelTop = contentBottom - panelHeight;
  drawPanel(panelTop);

  if (description) {
    const size = 14;
    const lineHeight = 1.5;
    const room = panelTop - (panelHeight > 0 ? 24 : 0) - y;
    const maxLines = Math.max(0, Math.floor(room / (size * lineHeight)));
    const measure = (text: string) => regular(text, size);
    const lines = clampLines(
      wrapWords(description, contentWidth, measure),
      maxLines,
      contentWidth,
      measure,
    );
    drawLines(
      doc,
      { size, lines },
      { x: margin, y, width: contentWidth, lineHeight, align: "left" },
      "regular",
      colors.muted,
    );
  }

  if (hasStrips) drawTearOffs(doc, stripLines);

  doc.end();
  return done;
}
