import { escapeMarkdown } from "discord.js";

// Made on first use: the first segmenter of a process loads ICU's rules, ~19 ms that every start
// paid, while only text over a limit needs one.
let graphemes: Intl.Segmenter | undefined;

/**
 * Discord counts message limits in characters (code points). Counting UTF-16 units would
 * refuse valid emoji-heavy text; counting graphemes would let combining marks overflow.
 */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Shortens text to at most `max` characters, cutting only between graphemes (never inside an
 * emoji, a surrogate pair or a letter with its combining marks), preferring a word boundary,
 * and ending with an ellipsis when something was cut.
 */
export function shorten(text: string, max: number): string {
  if (characterCount(text) <= max) return text;
  const ellipsis = "…";
  const budget = max - 1;
  const kept: string[] = [];
  let keptCount = 0;
  let lastWordEnd = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of graphemes.segment(text)) {
    const size = characterCount(segment);
    if (keptCount + size > budget) break;
    if (/^\s+$/.test(segment)) lastWordEnd = kept.length;
    kept.push(segment);
    keptCount += size;
  }
  // Trailing spaces go, a grapheme at a time (a space can belong to the grapheme before it).
  const trimmed = (segments: string[]) => {
    let end = segments.length;
    while (end > 0 && /^\s+$/.test(segments[end - 1] ?? "")) end -= 1;
    return segments.slice(0, end).join("");
  };
  // A word boundary in the last 40% keeps whole words; earlier than that, cut mid-word.
  // Whitespace alone is not a word worth keeping: then cut mid-word rather than show nothing.
  const atWord = trimmed(kept.slice(0, lastWordEnd));
  const cut =
    lastWordEnd > kept.length * 0.6 && atWord !== "" ? atWord : trimmed(kept) || kept.join("");
  return cut + ellipsis;
}

/** User text shown as typed: markdown is escaped so a title cannot restyle or break a card. */
export function asTyped(text: string): string {
  const escaped = escapeMarkdown(text, {
    heading: true,
    bulletedList: true,
    numberedList: true,
    maskedLink: true,
  });
  // escapeMarkdown leaves `<@123>`, `<#1>`, `<t:0>` live: typed by a member, they show as typed.
  return escaped.replace(/<(?=[@#:at])/g, "\\<");
}

/**
 * Escapes first, then shortens, so an escape sequence is never cut in half. Escaping can
 * double a text, so the longest raw prefix whose escaped form fits is found by bisection.
 */
export function showText(text: string, max: number): string {
  // Escaping never shortens, so a text already too long skips the (quadratic) full escape.
  if (characterCount(text) <= max) {
    const escaped = asTyped(text);
    if (characterCount(escaped) <= max) return escaped;
  }
  let low = 1;
  let high = max;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (characterCount(asTyped(shorten(text, middle))) <= max) low = middle;
    else high = middle - 1;
  }
  return asTyped(shorten(text, low));
}
