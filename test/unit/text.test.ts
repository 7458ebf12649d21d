import { describe, expect, it } from "vitest";
import { fitEmbeds, limits } from "../../src/discord/render/limits.ts";
import { characterCount, shorten, showText } from "../../src/discord/render/text.ts";

const graphemes = (text: string) =>
  [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].map(
    (s) => s.segment,
  );

describe("shortening user text", () => {
  it("leaves text within the limit alone", () => {
    expect(shorten("Free political prisoners", 100)).toBe("Free political prisoners");
  });

  it("cuts at a word boundary near the end and adds an ellipsis", () => {
    const result = shorten("Freedom for political prisoners of Belarus", 30);
    expect(result).toBe("Freedom for political…");
    expect(characterCount(result)).toBeLessThanOrEqual(30);
  });

  it.each([
    ["a family emoji (zero-width joiners)", "👨‍👩‍👧‍👦".repeat(40)],
    ["combining marks", "e\u0301\u0302".repeat(60)],
    ["flags (surrogate pairs)", "🇧🇾🇺🇦".repeat(40)],
    ["right-to-left text", "حرية للمعتقلين السياسيين ".repeat(10)],
    ["Cyrillic", "Свобода политическим заключённым ".repeat(10)],
  ])("never cuts inside a character: %s", (_name, text) => {
    for (const max of [5, 17, 50, 99]) {
      const result = shorten(text, max);
      expect(characterCount(result)).toBeLessThanOrEqual(max);
      const kept = result.slice(0, -1).trimEnd();
      // Every grapheme kept is a whole grapheme of the original text.
      expect(text.startsWith(kept)).toBe(true);
      expect(graphemes(text).join("").startsWith(graphemes(kept).join(""))).toBe(true);
      const next = text.slice(kept.length);
      expect(graphemes(kept + next)[graphemes(kept).length - 1]).toBe(graphemes(kept).at(-1));
    }
  });

  it("escapes markdown so a title shows as typed", () => {
    expect(showText("**bold** _it_ # not a heading", 100)).toBe(
      "\\*\\*bold\\*\\* \\_it\\_ # not a heading",
    );
  });

  it("stays within the limit after escaping", () => {
    const result = showText("*".repeat(300), 100);
    expect(characterCount(result)).toBeLessThanOrEqual(100);
  });
});

describe("fitting embeds into Discord's limits", () => {
  it("clamps every part and keeps the message total within 6000", () => {
    const long = "x".repeat(5000);
    const embeds = fitEmbeds([
      {
        title: long,
        description: long,
        fields: Array.from({ length: 30 }, () => ({ name: long, value: long })),
      },
      { description: long, footer: { text: long } },
    ]);
    const first = embeds[0];
    expect(first?.title?.length).toBeLessThanOrEqual(limits.embedTitle);
    expect(first?.fields).toHaveLength(limits.embedFields);
    const total = embeds.reduce(
      (sum, embed) =>
        sum +
        characterCount(embed.title ?? "") +
        characterCount(embed.description ?? "") +
        characterCount(embed.footer?.text ?? "") +
        (embed.fields ?? []).reduce(
          (s, f) => s + characterCount(f.name) + characterCount(f.value),
          0,
        ),
      0,
    );
    expect(total).toBeLessThanOrEqual(limits.embedTotal);
    // Shortening is spread over the longest parts, so the short title survives untouched.
    const short = fitEmbeds([
      { title: "Goal reached", description: long, fields: [{ name: "a", value: long }] },
    ]);
    expect(short[0]?.title).toBe("Goal reached");
  });
});
