// The bundled Noto Sans has no emoji: in a chart, a flyer or a card they would print as empty
// boxes, so every renderer leaves them out. No dependencies, so any renderer may import it.
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
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
