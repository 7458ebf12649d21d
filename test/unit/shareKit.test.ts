import { createCanvas, loadImage } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { campaignLimits } from "../../src/domain/campaigns.ts";
import { renderFlyer, shortenDescription } from "../../src/render/flyer.ts";
import type { FlyerInput } from "../../src/render/flyer.ts";
import { renderShareCard, shareCardBar, shareCardSize } from "../../src/render/shareCard.ts";
import type { ShareCardInput } from "../../src/render/shareCard.ts";
import { findQr, readPdf } from "../support/pdf.ts";

/** `text` repeated and cut to exactly `max` code points, as a member could type it. */
const atLimit = (text: string, max: number) => [...text.repeat(max)].slice(0, max).join("");

const graphemeCount = (text: string) =>
  [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;

describe("shortenDescription", () => {
  it("leaves a short description alone, spaces tidied", () => {
    expect(shortenDescription("  Free them.\n\nAll of them.  ")).toBe("Free them. All of them.");
  });

  it("keeps whole sentences when they fill at least half the room", () => {
    const text = `${"Political prisoners must be released now. ".repeat(6)}And one more sentence.`;
    const result = shortenDescription(text, 200);
    expect(result).toMatch(/now\.$/u);
    expect(graphemeCount(result)).toBeLessThanOrEqual(200);
    expect(graphemeCount(result)).toBeGreaterThanOrEqual(100);
  });

  it.each([
    [
      "en",
      "More than a thousand people are behind bars in Belarus for peaceful protest, journalism and speaking their minds; add your name to ask our representatives to press for their release and to support their families while they wait",
    ],
    [
      "ru",
      "Более тысячи человек находятся за решёткой в Беларуси за мирный протест, журналистику и высказанное мнение — подпишите, чтобы наши представители добивались их освобождения и поддержали их семьи, пока они ждут",
    ],
  ])("cuts only between words, with an ellipsis, at every length (%s)", (_, text) => {
    for (let max = 12; max < graphemeCount(text); max += 3) {
      const result = shortenDescription(text, max);
      expect(graphemeCount(result)).toBeLessThanOrEqual(max);
      expect(result.endsWith("…")).toBe(true);
      const kept = result.slice(0, -1);
      expect(text.startsWith(kept)).toBe(true);
      // The character after the cut is not a letter or digit: no word was split.
      expect(text.slice(kept.length)).toMatch(/^[^\p{L}\p{N}]/u);
      expect(kept).not.toMatch(/[\s,;:—]$/u);
    }
  });

  it("cuts a single word longer than the room between graphemes, never inside one", () => {
    const word = "Ёё\u0301".repeat(30); // a letter with a combining accent stays whole
    for (const max of [10, 11]) {
      const result = shortenDescription(word, max);
      expect(graphemeCount(result)).toBe(max);
      expect(word.startsWith(result.slice(0, -1))).toBe(true);
      expect(result).toMatch(/(Ё|ё\u0301)…$/u);
    }
  });
});

const flyer = (overrides: Partial<FlyerInput> = {}): FlyerInput => ({
  title: "Свобода политзаключённым Беларуси",
  description:
    "More than a thousand people are behind bars in Belarus for peaceful protest. Add your name to ask our representatives to press for their release.",
  callToAction: "Text SIGN PMSUBG to 50409",
  link: "https://example.org/petition?ref=flyer",
  size: "a4",
  labels: { scan: "Scan to sign", tearOff: "Take one" },
  ...overrides,
});

const compact = (text: string) => text.replace(/\s+/g, "");

describe("renderFlyer", () => {
  it("prints the Cyrillic title in the bundled font and a QR code that opens the link", async () => {
    const pdf = await renderFlyer(flyer());
    expect(pdf.length).toBeLessThan(500 * 1024);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    // The bundled font is embedded (a subset) and pdfkit's Helvetica, without Cyrillic, is not.
    expect(pdf.includes("NotoSans-Bold")).toBe(true);
    expect(pdf.includes("Helvetica")).toBe(false);

    const read = await readPdf(pdf);
    expect(read.pages).toBe(1);
    expect(read.text).toContain(compact("Свобода политзаключённым Беларуси"));
    expect(read.text).toContain(compact("Text SIGN PMSUBG to 50409"));
    expect(read.text).toContain(compact("Scan to sign"));
    expect(findQr(read.image)).toBe("https://example.org/petition?ref=flyer");
  });

  it("has no QR code without a link, and prints the call to action instead", async () => {
    const read = await readPdf(await renderFlyer(flyer({ link: null })));
    expect(findQr(read.image)).toBeNull();
    expect(read.text).toContain(compact("Text SIGN PMSUBG to 50409"));
    expect(read.text).not.toContain(compact("Scan to sign"));
    // Eight tear-off strips carry the text-to-sign code, plus the big one on the poster.
    expect(read.text.split(compact("Text SIGN PMSUBG to 50409")).length - 1).toBe(9);
  });

  it("puts the link on each of the eight tear-off strips, and the label once", async () => {
    const read = await readPdf(await renderFlyer(flyer({ callToAction: null })));
    expect(read.text.split("Takeone").length - 1).toBe(1);
    expect(read.text.split("example.org/petition?ref=flyer").length - 1).toBe(9);
  });

  it.each([
    ["a4", 595, 842],
    ["letter", 612, 792],
  ] as const)("is one %s page of %i×%i pt", async (size, width, height) => {
    const read = await readPdf(await renderFlyer(flyer({ size })));
    expect(read.pages).toBe(1);
    expect(Math.round(read.width)).toBe(width);
    expect(Math.round(read.height)).toBe(height);
  });

  it("stays on one page with every field at its limit, and the QR code still scans", async () => {
    const query = "?ref=" + "a".repeat(campaignLimits.link);
    const link = `https://example.org/petition${query}`.slice(0, campaignLimits.link);
    const pdf = await renderFlyer(
      flyer({
        title: atLimit("Свобода политзаключённым Беларуси ✊🇧🇾 ", campaignLimits.title),
        description: atLimit(
          "Каждый день за решёткой — это слишком долго. ",
          campaignLimits.description,
        ),
        callToAction: atLimit(
          "Text SIGN PMSUBG to 50409 and tell ten friends ",
          campaignLimits.callToAction,
        ),
        link,
        size: "letter",
      }),
    );
    expect(pdf.length).toBeLessThan(1024 * 1024);
    const read = await readPdf(pdf, 150);
    expect(read.pages).toBe(1);
    expect(findQr(read.image)).toBe(link);
    expect(read.text).toContain("Свободаполитзаключённым");
    expect(read.text).not.toMatch(/\p{Extended_Pictographic}/u);
  });
});

const card = (overrides: Partial<ShareCardInput> = {}): ShareCardInput => ({
  title: "Freedom for Political Prisoners of Belarus",
  callToAction: "Text SIGN PMSUBG to 50409",
  count: 332,
  goal: 500,
  unit: "signatures",
  locale: "en",
  labels: { progress: "332 of 500 signatures" },
  ...overrides,
});

async function pixels(png: Buffer) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const at = (x: number, y: number) => [
    ...data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4),
  ];
  return { width: image.width, height: image.height, data, at };
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const near = (pixel: number[], hex: string) =>
  rgb(hex).every((value, i) => Math.abs(value - (pixel[i] ?? -1)) <= 8);

/** The share of the bar's middle row painted in the fill colour. */
async function filledShare(png: Buffer): Promise<number> {
  const image = await pixels(png);
  const y = shareCardBar.y + Math.floor(shareCardBar.height / 2);
  let filled = 0;
  for (let x = shareCardBar.x; x < shareCardBar.x + shareCardBar.width; x += 1) {
    if (near(image.at(x, y), shareCardBar.fill)) filled += 1;
  }
  return filled / shareCardBar.width;
}

describe("renderShareCard", () => {
  it("is an opaque 1200×630 PNG", async () => {
    const png = await renderShareCard(card());
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeLessThan(200 * 1024);
    const image = await pixels(png);
    expect([image.width, image.height]).toEqual([shareCardSize.width, shareCardSize.height]);
    for (const [x, y] of [
      [0, 0],
      [image.width - 1, 0],
      [0, image.height - 1],
      [image.width - 1, image.height - 1],
    ] as const) {
      expect(image.at(x, y)[3]).toBe(255);
    }
  });

  it("fills the bar in proportion to count / goal, and only up to full", async () => {
    expect(await filledShare(await renderShareCard(card()))).toBeCloseTo(332 / 500, 1);
    expect(await filledShare(await renderShareCard(card({ count: 0 })))).toBe(0);
    const over = await filledShare(await renderShareCard(card({ count: 740 })));
    expect(over).toBeGreaterThan(0.97); // the rounded ends are anti-aliased
  });

  it("draws Cyrillic glyphs, not boxes, and leaves emoji out", async () => {
    // Missing glyphs draw as one identical box each: two different words with the same number
    // of letters would give identical pictures; real glyphs differ.
    const [freedom, joy, withEmoji] = await Promise.all(
      ["Свобода", "Радость", "✊ Свобода 🇧🇾"].map(async (title) =>
        Buffer.from((await pixels(await renderShareCard(card({ title })))).data),
      ),
    );
    expect(freedom?.equals(joy ?? Buffer.alloc(0))).toBe(false);
    expect(freedom?.equals(withEmoji ?? Buffer.alloc(0))).toBe(true);
  });

  it("keeps a title and call to action at their limits inside the card", async () => {
    const image = await pixels(
      await renderShareCard(
        card({
          title: atLimit("Свобода политзаключённым Беларуси — немедленно ", campaignLimits.title),
          callToAction: atLimit(
            "Text SIGN PMSUBG to 50409 and tell ten friends ",
            campaignLimits.callToAction,
          ),
          locale: "ru",
          labels: { progress: "332 из 500 подписей" },
        }),
      ),
    );
    // One RGBA pixel per 32-bit word.
    const words = new Uint32Array(
      image.data.buffer,
      image.data.byteOffset,
      image.width * image.height,
    );
    const background = words[0];
    const border = 40;
    let inkAtEdges = 0;
    for (let y = 0; y < image.height; y += 1) {
      for (let x = 0; x < image.width; x += 1) {
        const inside =
          x >= border && x < image.width - border && y >= border && y < image.height - border;
        if (!inside && words[y * image.width + x] !== background) inkAtEdges += 1;
      }
    }
    expect(inkAtEdges).toBe(0);
    // The bar is still where it belongs, not covered by text.
    expect(await filledShare(await renderShareCard(card({ title: "Ж ".repeat(50) })))).toBeCloseTo(
      332 / 500,
      1,
    );
  });
});
