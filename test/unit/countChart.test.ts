import { createCanvas, GlobalFonts, loadImage } from "@napi-rs/canvas";
import { Chart } from "chart.js";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  dailyCounts,
  formatAxisCount,
  renderCountChart,
  type CountChartInput,
  type CountPoint,
} from "../../src/render/countChart.ts";
import { registerFonts } from "../../src/render/fonts.ts";

const zone = "Europe/Vilnius";
const local = (text: string) => DateTime.fromISO(text, { zone }).toJSDate();
const point = (text: string, count: number): CountPoint => ({ at: local(text), count });

describe("dailyCounts", () => {
  it("gives the count at the end of each local day, carried through days without changes", () => {
    const points = [
      point("2026-11-10T00:00", 100),
      point("2026-11-10T09:00", 110),
      point("2026-11-10T18:00", 120),
      point("2026-11-13T12:00", 150),
      point("2026-11-23T23:59", 200),
    ];
    const counts = dailyCounts(points, local("2026-11-10T00:00"), local("2026-11-24T00:00"), zone);
    expect(counts).toEqual([120, 120, 120, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 200]);
  });

  it("cuts days at local midnight across the autumn DST change (a 25-hour 25 October)", () => {
    // Vilnius falls back from +03:00 to +02:00 at 04:00 on 2026-10-25. Stepping 24 hours from
    // midnight would end that day at 23:00 and put the 23:30 change on the 26th.
    const points = [
      point("2026-10-20T00:00", 10),
      point("2026-10-25T03:30", 20),
      point("2026-10-25T23:30", 30),
      point("2026-10-26T00:30", 40),
    ];
    const counts = dailyCounts(points, local("2026-10-20T00:00"), local("2026-10-30T00:00"), zone);
    // 20–29 October: ten days, although the window is ten days and one hour long.
    expect(counts).toEqual([10, 10, 10, 10, 10, 30, 40, 40, 40, 40]);
  });

  it("starts with the whole local day when the window starts in the middle of it", () => {
    const start = local("2026-11-10T14:30");
    const end = local("2026-11-24T14:30");
    const points = [
      { at: start, count: 100 }, // the last known count before the window
      point("2026-11-10T20:00", 120),
      point("2026-11-24T10:00", 130),
    ];
    const counts = dailyCounts(points, start, end, zone);
    // 10 November (from 14:30) through 24 November (until 14:30): both partial days are shown.
    expect(counts).toHaveLength(15);
    expect(counts[0]).toBe(120);
    expect(counts.slice(1, 14)).toEqual(Array<number>(13).fill(120));
    expect(counts[14]).toBe(130);
  });

  it("counts a change exactly at the window end and ignores later ones", () => {
    const start = local("2026-11-10T00:00");
    const end = local("2026-11-11T12:00");
    const points = [{ at: start, count: 5 }, { at: end, count: 6 }, point("2026-11-11T12:01", 7)];
    expect(dailyCounts(points, start, end, zone)).toEqual([5, 6]);
  });

  it("is 0 before the first point and for a campaign without history", () => {
    const start = local("2026-11-10T00:00");
    const end = local("2026-11-13T00:00");
    expect(dailyCounts([point("2026-11-11T08:00", 3)], start, end, zone)).toEqual([0, 3, 3]);
    expect(dailyCounts([], start, end, zone)).toEqual([0, 0, 0]);
  });

  it("refuses an unknown zone and a window that ends before it starts", () => {
    const start = local("2026-11-10T00:00");
    const end = local("2026-11-24T00:00");
    expect(() => dailyCounts([], start, end, "Mars/Olympus")).toThrow(RangeError);
    expect(() => dailyCounts([], end, start, zone)).toThrow(RangeError);
  });
});

describe("formatAxisCount", () => {
  it.each(["en", "ru", "uk"])("keeps axis numbers short at a billion (%s)", (locale) => {
    const label = formatAxisCount(1_000_000_000, 1_200_000_000, locale);
    expect(label).toMatch(/^1\s?\S+$/u);
    expect(label.length).toBeLessThanOrEqual(8);
  });

  it("groups small numbers by the locale's rules", () => {
    expect(formatAxisCount(1200, 1500, "en")).toBe("1,200");
  });
});

const windowEnd = local("2026-11-24T09:00");
const windowStart = new Date(windowEnd.getTime() - 14 * 24 * 60 * 60 * 1000);

function chart(overrides: Partial<CountChartInput> = {}): CountChartInput {
  const day = 24 * 60 * 60 * 1000;
  return {
    title: "Free political prisoners",
    unit: "signatures",
    goal: 500,
    points: [
      { at: windowStart, count: 120 },
      { at: new Date(windowStart.getTime() + 2 * day), count: 180 },
      { at: new Date(windowStart.getTime() + 6 * day), count: 310 },
      { at: new Date(windowStart.getTime() + 11 * day), count: 470 },
    ],
    windowStart,
    windowEnd,
    timeZone: zone,
    locale: "en",
    labels: { goal: "Goal 500" },
    ...overrides,
  };
}

const width = 800;
const height = 400;
const background = [0x31, 0x33, 0x38, 255];
/** Rows holding the title (above the legend). */
const titleRows = { top: 0, bottom: 44 };

async function pixels(png: Buffer) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  const at = (x: number, y: number) => [
    ...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4),
  ];
  const isBackground = (x: number, y: number) =>
    at(x, y).every((value, i) => value === background[i]);
  const rows = (top: number, bottom: number) => data.subarray(top * width * 4, bottom * width * 4);
  return { width: image.width, height: image.height, at, isBackground, rows };
}

type Pixels = Awaited<ReturnType<typeof pixels>>;

function sameRows(a: Pixels, b: Pixels, { top, bottom }: { top: number; bottom: number }) {
  return Buffer.from(a.rows(top, bottom)).equals(Buffer.from(b.rows(top, bottom)));
}

/** Nothing is drawn in the outer 8 pixels: text cut by the image edge would show up here. */
function edgesAreBackground(image: Pixels): boolean {
  const border = 8;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const inside = x >= border && x < width - border && y >= border && y < height - border;
      if (!inside && !image.isBackground(x, y)) return false;
    }
  }
  return true;
}

function rightmostInk(image: Pixels, { top, bottom }: { top: number; bottom: number }): number {
  for (let x = width - 1; x >= 0; x -= 1) {
    for (let y = top; y < bottom; y += 1) if (!image.isBackground(x, y)) return x;
  }
  return -1;
}

function countNotBackground(image: Pixels, top: number, bottom: number): number {
  let count = 0;
  for (let y = top; y < bottom; y += 1) {
    for (let x = 0; x < width; x += 1) if (!image.isBackground(x, y)) count += 1;
  }
  return count;
}

describe("renderCountChart", () => {
  it("registers the bundled font once, under one family name", () => {
    const family = registerFonts();
    expect(registerFonts()).toBe(family);
    expect(GlobalFonts.has(family)).toBe(true);
  });

  it("renders a small opaque PNG on the dark background with the chart drawn on it", async () => {
    const png = await renderCountChart(chart());
    expect(png.length).toBeLessThan(100 * 1024);
    const image = await pixels(png);
    expect(image.width).toBe(width);
    expect(image.height).toBe(height);
    expect(image.at(0, 0)).toEqual(background);
    expect(image.at(width - 1, height - 1)).toEqual(background);
    // The plot (below the title and legend) is mostly line, fill, grid and labels.
    expect(countNotBackground(image, 80, 380)).toBeGreaterThan(10_000);
    expect(edgesAreBackground(image)).toBe(true);
    // Destroyed after encoding: Chart.js keeps every live chart in a process-wide registry.
    expect(Object.keys(Chart.instances)).toHaveLength(0);
  });

  it("draws Cyrillic glyphs in the title, not boxes", async () => {
    // Missing glyphs render as one identical box each, so two different titles with the same
    // number of letters and the same spaces would give identical pixels; real glyphs differ.
    const [title, other, empty] = await Promise.all(
      ["Свобода политзаключённым", "Радость здравоохранением", ""].map(async (text) =>
        pixels(await renderCountChart(chart({ title: text }))),
      ),
    );
    if (!title || !other || !empty) throw new Error("three renders expected");
    expect(sameRows(title, empty, titleRows)).toBe(false);
    expect(sameRows(title, other, titleRows)).toBe(false);
    expect(sameRows(title, empty, { top: titleRows.bottom, bottom: height })).toBe(true);
  });

  it("leaves emoji out of the title instead of drawing empty boxes", async () => {
    const withEmoji = await pixels(
      await renderCountChart(chart({ title: "✊ Free them 🇧🇾 all 🎉" })),
    );
    const plain = await pixels(await renderCountChart(chart({ title: "Free them all" })));
    expect(sameRows(withEmoji, plain, { top: 0, bottom: height })).toBe(true);
  });

  it("shortens a long title at a glyph instead of squeezing it to fit", async () => {
    const start = "Свобода политическим заключённым";
    const long = await pixels(
      await renderCountChart(chart({ title: `${start} Беларуси 👨‍👩‍👧‍👦 `.repeat(8), locale: "ru" })),
    );
    const short = await pixels(await renderCountChart(chart({ title: start, locale: "ru" })));
    // The kept words sit exactly where they would alone; squeezed text would shift every glyph.
    const end = rightmostInk(short, titleRows);
    expect(end).toBeGreaterThan(100);
    const left = (image: Pixels) =>
      Array.from({ length: titleRows.bottom - titleRows.top }, (_, row) =>
        Buffer.from(
          image.rows(titleRows.top + row, titleRows.top + row + 1).subarray(0, (end + 1) * 4),
        ),
      );
    expect(Buffer.concat(left(long)).equals(Buffer.concat(left(short)))).toBe(true);
    expect(rightmostInk(long, titleRows)).toBeGreaterThan(end + 100);
    expect(edgesAreBackground(long)).toBe(true);
  });

  it("renders a campaign without changes in the window, and one with no history at all", async () => {
    for (const points of [[{ at: windowStart, count: 42 }], []]) {
      const image = await pixels(await renderCountChart(chart({ points })));
      expect(image.width).toBe(width);
      expect(countNotBackground(image, 80, 380)).toBeGreaterThan(1000);
    }
  });

  it("fits counts in the billions", async () => {
    const points = [
      { at: windowStart, count: 950_000_000 },
      { at: new Date(windowStart.getTime() + 5 * 24 * 60 * 60 * 1000), count: 1_000_000_000 },
    ];
    for (const locale of ["en", "ru", "uk"]) {
      const png = await renderCountChart(
        chart({ points, goal: 1_200_000_000, locale, labels: { goal: "Goal 1,200,000,000" } }),
      );
      expect(png.length).toBeLessThan(100 * 1024);
      expect(edgesAreBackground(await pixels(png))).toBe(true);
    }
  });
});
