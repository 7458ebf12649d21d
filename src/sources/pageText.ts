/**
 * Reading numbers from a page's text without running any regular expression a user wrote:
 * the page is reduced to its visible text by plain scanning, and a pattern such as
 * "{n} so far" is matched by comparing its literal parts around each number in the text.
 * Everything here is linear in the page's length.
 */

export const maxPatternLength = 200;
export const placeholder = "{n}";

export type PatternCheck =
  { ok: true; before: string; after: string } | { ok: false; reason: "badField" };

/** A pattern has exactly one `{n}`, at most 200 characters, and some text besides `{n}`. */
export function parsePattern(pattern: string): PatternCheck {
  if (pattern.length > maxPatternLength) return { ok: false, reason: "badField" };
  const at = pattern.indexOf(placeholder);
  if (at === -1 || pattern.indexOf(placeholder, at + placeholder.length) !== -1) {
    return { ok: false, reason: "badField" };
  }
  const before = normalizeText(pattern.slice(0, at)).trim();
  const after = normalizeText(pattern.slice(at + placeholder.length)).trim();
  if (before === "" && after === "") return { ok: false, reason: "badField" };
  return { ok: true, before, after };
}

const entities: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  thinsp: " ",
  ensp: " ",
  emsp: " ",
  hellip: "…",
  ndash: "–",
  mdash: "—",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
  laquo: "«",
  raquo: "»",
};

function decodeEntities(text: string): string {
  return text.replace(
    /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g,
    (whole, name: string) => {
      if (name.startsWith("#")) {
        const code =
          name[1] === "x" || name[1] === "X"
            ? parseInt(name.slice(2), 16)
            : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return entities[name.toLowerCase()] ?? whole;
    },
  );
}

/** Lowercases A-Z only, so indexes stay those of the original string. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

// Elements whose content is not text a reader sees.
const hiddenElements = ["script", "style", "template", "svg", "head"];

/** The text a reader sees: no scripts, styles, tags or comments; entities decoded; spaces collapsed. */
export function visibleText(html: string): string {
  const lower = asciiLower(html);
  const parts: string[] = [];
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf("<", at);
    if (open === -1) {
      parts.push(html.slice(at));
      break;
    }
    parts.push(html.slice(at, open), " ");
    if (lower.startsWith("<!--", open)) {
      const close = lower.indexOf("-->", open + 4);
      at = close === -1 ? html.length : close + 3;
      continue;
    }
    const hidden = hiddenElements.find(
      (name) =>
        lower.startsWith(`<${name}`, open) &&
        !/[a-z0-9-]/.test(lower[open + name.length + 1] ?? ""),
    );
    if (hidden !== undefined) {
      const close = lower.indexOf(`</${hidden}`, open + hidden.length + 1);
      const end = close === -1 ? -1 : lower.indexOf(">", close);
      at = end === -1 ? html.length : end + 1;
      continue;
    }
    const end = html.indexOf(">", open + 1);
    at = end === -1 ? html.length : end + 1;
  }
  return normalizeText(decodeEntities(parts.join("")));
}

const utf16 = new TextDecoder("utf-16le");

const isSpace = (code: number) =>
  code === 0x20 ||
  (code >= 0x09 && code <= 0x0d) ||
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200b) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000 ||
  code === 0xfeff;

/**
 * Every run of spaces of any kind (NBSP, narrow NBSP, thin space, line breaks) becomes one ASCII
 * space; lowercase. One pass over char codes: a regex replace, or slices joined, took a second
 * on 2 MB of words.
 */
export function normalizeText(text: string): string {
  const out = new Uint16Array(text.length);
  let length = 0;
  let inSpace = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isSpace(code)) {
      if (!inSpace) out[length++] = 0x20;
      inSpace = true;
    } else {
      out[length++] = code;
      inSpace = false;
    }
  }
  return utf16.decode(out.subarray(0, length)).toLowerCase();
}

// Thousands separators seen in the wild: "1,204", "1.204", "1 204" (NBSP, narrow NBSP and
// thin space were made plain spaces by normalizeText), "1'204", "1’204".
const groupSeparators = new Set([",", ".", " ", "'", "’"]);

const isDigit = (text: string, index: number) => {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
};

interface NumberToken {
  start: number;
  end: number;
  /** Not a safe integer when the digits overflow 2^53. */
  value: number;
}

const digitAt = (text: string, index: number) => text.charCodeAt(index) - 48;

/**
 * The number starting at `start` (a digit not preceded by one): a plain run of digits, or 1 to 3
 * digits followed by groups of exactly three after one separator each.
 */
function numberAt(text: string, start: number): NumberToken {
  let end = start;
  let value = 0;
  while (isDigit(text, end)) {
    value = value * 10 + digitAt(text, end);
    end += 1;
  }
  if (end - start <= 3) {
    for (;;) {
      const separator = text[end];
      if (separator === undefined || !groupSeparators.has(separator)) break;
      const group = end + 1;
      if (!(isDigit(text, group) && isDigit(text, group + 1) && isDigit(text, group + 2))) break;
      if (isDigit(text, group + 3)) break;
      value =
        value * 1000 +
        digitAt(text, group) * 100 +
        digitAt(text, group + 1) * 10 +
        digitAt(text, group + 2);
      end = group + 3;
    }
  }
  return { start, end, value };
}

const endsWithAt = (text: string, end: number, part: string) =>
  part === "" || (end >= part.length && text.startsWith(part, end - part.length));

/**
 * The first number in `text` (already normalized) with `before` right before it and `after`
 * right after it, one optional space between. Undefined when none, or none that is a count.
 */
export function findNumber(text: string, before: string, after: string): number | undefined {
  let at = 0;
  // Each number once, in order; each digit is read once, so this is linear in the text.
  while (at < text.length) {
    if (!isDigit(text, at) || isDigit(text, at - 1)) {
      at += 1;
      continue;
    }
    const token = numberAt(text, at);
    at = token.end;
    const left = text[token.start - 1] === " " ? token.start - 1 : token.start;
    const beforeMatches =
      endsWithAt(text, token.start, before) ||
      (left !== token.start && endsWithAt(text, left, before));
    if (!beforeMatches) continue;
    const right = text[token.end] === " " ? token.end + 1 : token.end;
    const afterMatches =
      after === "" ||
      text.startsWith(after, token.end) ||
      (right !== token.end && text.startsWith(after, right));
    if (!afterMatches) continue;
    if (Number.isSafeInteger(token.value)) return token.value;
  }
  return undefined;
}
