import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import { shippedFile } from "./shippedFile.ts";
import { withoutEmoji } from "./withoutEmoji.ts";

export interface FlyerInput {
  title: string;
  description: string | null;
  /** "Text SIGN PMSUBG to 50409": printed large, and on every tear-off strip. */
  callToAction: string | null;
  /** Opened by the QR code and printed on the tear-off strips. */
  link: string | null;
  size: "a4" | "letter";
  /** Translated by the caller: "Scan to sign" under the QR code, "Take one" on the strips' cut line. */
  labels: { scan: string; tearOff: string };
}

/** Descriptions longer than this are shortened: the flyer is read in passing, not studied. */
const descriptionLimit = 400;

// Noto Sans 2.015 (Latin, Greek, Cyrillic in one file), bundled so no machine font is ever used.
const fontFiles = {
  regular: shippedFile("assets", "fonts", "NotoSans-Regular.ttf"),
  bold: shippedFile("assets", "fonts", "NotoSans-Bold.ttf"),
} as const;

type FontName = keyof typeof fontFiles;

/**
 * Fonts are registered under their PostScript names: pdfkit files the document's first font
 * under that name, so `font("NotoSans-Regular")` finds it. Under any other name pdfkit would
 * open the font again and compare it on every call, which costs milliseconds each time.
 */
const fontKeys: Record<FontName, string> = { regular: "NotoSans-Regular", bold: "NotoSans-Bold" };

const parsedFonts = new Map<FontName, PDFKit.Mixins.PDFFontSource>();

/**
 * The font parsed once per process. pdfkit accepts a parsed (fontkit) font in place of a path;
 * parsing Noto Sans' layout tables again for every flyer would cost ~200 ms. pdfkit exposes
 * the parsed font only as the private `_font.font`, so the path is the fallback.
 */
function fontSource(name: FontName): PDFKit.Mixins.PDFFontSource {
  const cached = parsedFonts.get(name);
  if (cached) return cached;
  const probe = new PDFDocument({ font: fontFiles[name] });
  const parsed = (probe as unknown as { _font?: { font?: { layout?: unknown } } })._font?.font;
  // Not a Buffer: pdfkit checks for a `layout` function; its types only list file sources.
  const source =
    typeof parsed?.layout === "function"
      ? (parsed as unknown as PDFKit.Mixins.PDFFontSource)
      : fontFiles[name];
  parsedFonts.set(name, source);
  return source;
}

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
const qrSize = 168;
/** A QR module no smaller than this (0.85 mm): long links get a bigger code, not a denser one. */
const minQrModule = 2.4;
const qrQuietZone = 4;

// --- Text helpers, shared with the share card -----------------------------------------------

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

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
function wrapWords(text: string, maxWidth: number, measure: (text: string) => number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (measure(candidate) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line !== "") lines.push(line);
    line = word;
    // A link or a very long word: as many graphemes per line as fit, at least one.
    while (measure(line) > maxWidth) {
      const parts = [...graphemes.segment(line)].map((s) => s.segment);
      if (parts.length < 2) break;
      const n = longestFit(parts.length, (k) => measure(parts.slice(0, k).join("")) <= maxWidth);
      lines.push(parts.slice(0, n).join(""));
      line = parts.slice(n).join("");
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The largest n in 1..max with fits(n), by bisection (fits is monotonic); 1 if none fits. */
function longestFit(max: number, fits: (n: number) => boolean): number {
  let low = 1;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * The first `maxLines` lines, the last one ending in an ellipsis when text was left out;
 * whole words are dropped to make room for it.
 */
function clampLines(
  lines: string[],
  maxLines: number,
  maxWidth: number,
  measure: (text: string) => number,
): string[] {
  if (lines.length <= maxLines) return lines;
  if (maxLines <= 0) return [];
  const kept = lines.slice(0, maxLines);
  const words = (kept.pop() ?? "").split(" ");
  let last = `${words.join(" ")}…`;
  while (words.length > 1 && measure(last) > maxWidth) {
    words.pop();
    last = `${words.join(" ").replace(danglingPunctuation, "")}…`;
  }
  if (measure(last) > maxWidth) {
    const parts = [...graphemes.segment(words[0] ?? "")].map((s) => s.segment);
    const n = longestFit(
      parts.length,
      (k) => measure(`${parts.slice(0, k).join("")}…`) <= maxWidth,
    );
    last = `${parts.slice(0, n).join("")}…`;
  }
  return [...kept, last];
}

export interface FittedText {
  size: number;
  lines: string[];
}

/** Lines wrapped to the narrowest width that keeps their number: no lone word on the last line. */
function balancedLines(text: string, maxWidth: number, measure: (text: string) => number) {
  const lines = wrapWords(text, maxWidth, measure);
  if (lines.length < 2) return lines;
  // Never narrower than the widest word, which would then be split.
  let low = Math.max(maxWidth / 2, widestWord(text, measure)) - 0.5;
  let high = maxWidth;
  while (high - low > 1) {
    const mid = (low + high) / 2;
    if (wrapWords(text, mid, measure).length === lines.length) high = mid;
    else low = mid;
  }
  return wrapWords(text, high, measure);
}

function widestWord(text: string, measure: (text: string) => number): number {
  return Math.max(0, ...text.split(/\s+/).map(measure));
}

/**
 * The largest size (from `maxSize` down to `minSize`, in steps of 2) at which the text wraps
 * into `maxLines` without splitting a word, balanced; a size up to 12% smaller wins if it needs
 * fewer lines. At the smallest size, whatever does not fit is cut with an ellipsis.
 */
export function fitText(
  text: string,
  options: { maxWidth: number; maxLines: number; maxSize: number; minSize: number },
  measure: (text: string, size: number) => number,
): FittedText {
  const { maxWidth, maxLines, maxSize, minSize } = options;
  /** Lines at this size, or Infinity when a word would have to be split. */
  const lineCount = (size: number) => {
    const at = (t: string) => measure(t, size);
    return widestWord(text, at) > maxWidth ? Infinity : wrapWords(text, maxWidth, at).length;
  };
  for (let size = maxSize; size > minSize; size -= 2) {
    const count = lineCount(size);
    if (count > maxLines) continue;
    let best = size;
    for (let smaller = size - 2; smaller >= size * 0.88 && smaller >= minSize; smaller -= 2) {
      if (lineCount(smaller) < count) {
        best = smaller;
        break;
      }
    }
    return { size: best, lines: balancedLines(text, maxWidth, (t) => measure(t, best)) };
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
  return (text: string, size: number) =>
    doc.font(fontKeys[font]).fontSize(size).widthOfString(text);
}

/** Draws lines top-down from `y` and returns the y below the last one. */
function drawLines(
  doc: Doc,
  block: FittedText,
  at: { x: number; y: number; width: number; lineHeight: number; align: "left" | "center" },
  font: FontName,
  color: string,
): number {
  doc.font(fontKeys[font]).fontSize(block.size).fillColor(color);
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
function drawQrCode(doc: Doc, modules: QRCode.BitMatrix, x: number, y: number, size: number) {
  const quiet = qrQuietZone;
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

interface Panel {
  height: number;
  draw: (top: number) => void;
}

/** The tinted box with the call to action, and the QR code beside it when there is a link. */
function layoutPanel(
  doc: Doc,
  content: { callToAction: string; link: string; scan: string },
  width: number,
  smallestQr: number,
): Panel | null {
  const { callToAction, link } = content;
  const pad = 26;
  const bar = 6;
  const bold = measureWith(doc, "bold");
  const regular = measureWith(doc, "regular");
  const box = (top: number, height: number) => {
    doc.save();
    doc.roundedRect(margin, top, width, height, 10).clip();
    doc.rect(margin, top, width, height).fill(colors.panel);
    doc.rect(margin, top, bar, height).fill(colors.accent);
    doc.restore();
  };

  if (!link && !callToAction) return null;
  if (!link) {
    // No link, no QR code: the call to action takes the whole panel, bigger.
    const textWidth = width - bar - 2 * pad;
    const main = fitText(
      callToAction,
      { maxWidth: textWidth, maxLines: 3, maxSize: 50, minSize: 22 },
      bold,
    );
    const height = blockHeight(main, 1.15) + 2 * 34;
    return {
      height,
      draw: (top) => {
        box(top, height);
        const at = { x: margin + bar + pad, y: top + 34, width: textWidth, lineHeight: 1.15 };
        drawLines(doc, main, { ...at, align: "center" }, "bold", colors.accent);
      },
    };
  }

  const { modules } = QRCode.create(link, { errorCorrectionLevel: "M" });
  const qrSize = Math.max(smallestQr, (modules.size + 2 * qrQuietZone) * minQrModule);
  const textWidth = width - bar - qrSize - 3 * pad;
  const main = fitText(
    callToAction || shownLink(link),
    { maxWidth: textWidth, maxLines: 4, maxSize: 34, minSize: 16 },
    bold,
  );
  const sub = callToAction
    ? fitText(
        shownLink(link),
        { maxWidth: textWidth, maxLines: 2, maxSize: 15, minSize: 10 },
        regular,
      )
    : null;
  const scan = fitText(
    content.scan,
    { maxWidth: qrSize, maxLines: 1, maxSize: 14, minSize: 9 },
    bold,
  );
  const textHeight = blockHeight(main, 1.15) + (sub ? 14 + blockHeight(sub, 1.3) : 0);
  const qrHeight = qrSize + 8 + blockHeight(scan, 1.25);
  const height = Math.max(textHeight, qrHeight) + 2 * pad;
  return {
    height,
    draw: (top) => {
      box(top, height);
      const x = margin + bar + pad;
      const textTop = top + (height - textHeight) / 2;
      const below = drawLines(
        doc,
        main,
        { x, y: textTop, width: textWidth, lineHeight: 1.15, align: "left" },
        "bold",
        colors.accent,
      );
      if (sub) {
        const at = { x, y: below + 14, width: textWidth, lineHeight: 1.3, align: "left" } as const;
        drawLines(doc, sub, at, "regular", colors.ink);
      }
      const qrX = margin + width - pad - qrSize;
      const qrTop = top + (height - qrHeight) / 2;
      drawQrCode(doc, modules, qrX, qrTop, qrSize);
      const at = { x: qrX, y: qrTop + qrSize + 8, width: qrSize, lineHeight: 1.25 } as const;
      drawLines(doc, scan, { ...at, align: "center" }, "bold", colors.ink);
    },
  };
}

function drawTearOffs(
  doc: Doc,
  label: string,
  lines: { text: string; font: FontName; size: number }[],
): void {
  const { width, height } = doc.page;
  const top = height - stripHeight;
  const stripWidth = width / stripCount;
  const length = stripHeight - printerMargin - 16;

  doc.save().lineWidth(0.75).strokeColor(colors.cut).dash(4, { space: 3 });
  doc.moveTo(0, top).lineTo(width, top);
  for (let i = 1; i < stripCount; i += 1) {
    doc.moveTo(i * stripWidth, top).lineTo(i * stripWidth, height);
  }
  doc.stroke().restore();

  // "Take one" sits on the cut line, in a gap of its own.
  if (label) {
    const size = 10;
    const text = fitText(label, { maxWidth: 300, maxLines: 1, maxSize: size, minSize: 7 }, (t, s) =>
      doc.font(fontKeys.bold).fontSize(s).widthOfString(t),
    );
    const line = text.lines[0] ?? "";
    doc.font(fontKeys.bold).fontSize(text.size);
    const labelWidth = doc.widthOfString(line);
    const x = (width - labelWidth) / 2;
    doc.rect(x - 10, top - text.size * 0.7, labelWidth + 20, text.size * 1.4).fill(colors.white);
    // pdfkit places text by the top of the font's ascender; this centres the capitals on y.
    doc.fillColor(colors.muted).text(line, x, top - text.size * 0.71, { lineBreak: false });
  }

  // Each line shrinks to the strip's length, then is cut with an ellipsis if still too long.
  const fitted = lines.map((line) => {
    const measure = measureWith(doc, line.font);
    let size = line.size;
    while (size > 6 && measure(line.text, size) > length) size -= 0.5;
    const text =
      measure(line.text, size) > length
        ? (clampLines([line.text, ""], 1, length, (t) => measure(t, size))[0] ?? "")
        : line.text;
    return { ...line, size, text };
  });
  const lineHeight = (size: number) => size * 1.35;
  const thickness = fitted.reduce((sum, line) => sum + lineHeight(line.size), 0);

  for (let i = 0; i < stripCount; i += 1) {
    doc.save();
    // A quarter turn: each strip reads bottom to top, its lines stacked left to right.
    doc.translate((i + 0.5) * stripWidth - thickness / 2, height - printerMargin - 8).rotate(-90);
    let y = 0;
    for (const line of fitted) {
      doc.font(fontKeys[line.font]).fontSize(line.size).fillColor(colors.ink);
      doc.text(line.text, (length - doc.widthOfString(line.text)) / 2, y, { lineBreak: false });
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
    // Without a font here pdfkit loads Helvetica (no Cyrillic). The parsed font is accepted at
    // run time like a path (see fontSource); the option's type only says string.
    font: fontSource("regular") as string,
    info: { Title: title, Creator: "Rally" },
    displayTitle: true,
  });
  doc.registerFont(fontKeys.regular, fontSource("regular"));
  doc.registerFont(fontKeys.bold, fontSource("bold"));
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const width = page.width - 2 * margin;
  // What a torn-off strip must tell: how to sign, by text message or by link.
  const stripLines = [
    ...(callToAction ? [{ text: callToAction, font: "bold" as const, size: 9 }] : []),
    ...(link
      ? [{ text: shownLink(link), font: callToAction ? "regular" : "bold", size: 8.5 } as const]
      : []),
  ];
  const hasStrips = stripLines.length > 0;
  const bottom = hasStrips ? page.height - stripHeight : page.height - margin;

  const titleBlock = fitText(
    title,
    { maxWidth: width, maxLines: 4, maxSize: 48, minSize: 24 },
    measureWith(doc, "bold"),
  );
  let y = drawLines(
    doc,
    titleBlock,
    { x: margin, y: margin, width, lineHeight: 1.12, align: "left" },
    "bold",
    colors.ink,
  );
  y += 14;
  doc.rect(margin, y, 72, 5).fill(colors.accent);
  y += 5 + 24;

  const panelContent = { callToAction, link, scan: withoutEmoji(input.labels.scan) };
  let panel = layoutPanel(doc, panelContent, width, qrSize);
  const textSize = 14;
  const textLineHeight = 1.5;
  const regular = measureWith(doc, "regular");
  const measureText = (text: string) => regular(text, textSize);
  const wrapped = description ? wrapWords(description, width, measureText) : [];
  const minGap = 28;
  const room = bottom - minGap - y - (panel ? panel.height + minGap : 0);
  const textLines = clampLines(
    wrapped,
    Math.max(0, Math.floor(room / (textSize * textLineHeight))),
    width,
    measureText,
  );
  const textHeight = textLines.length * textSize * textLineHeight;

  // Spare room makes the QR code bigger (easier to scan from afar), then spaces things evenly.
  let spare = room - textHeight;
  if (panel && link && spare > 120) {
    const grown = layoutPanel(doc, panelContent, width, qrSize + Math.min(48, (spare - 120) / 2));
    if (grown) {
      spare -= grown.height - panel.height;
      panel = grown;
    }
  }
  drawLines(
    doc,
    { size: textSize, lines: textLines },
    { x: margin, y, width, lineHeight: textLineHeight, align: "left" },
    "regular",
    colors.muted,
  );
  if (panel) {
    const top = y + textHeight + minGap + Math.max(0, spare) / 2;
    // Never over the strips, even if an extreme title left too little room.
    panel.draw(Math.min(top, bottom - minGap - panel.height));
  }

  if (hasStrips) drawTearOffs(doc, withoutEmoji(input.labels.tearOff), stripLines);

  doc.end();
  return done;
}
