import { loadImage } from "@napi-rs/canvas";
import { afterEach, describe, expect, it } from "vitest";
import { chartWorkerFile, createChartPool, type ChartPool } from "../../src/render/chartPool.ts";
import { renderCountChart, type CountChartInput } from "../../src/render/countChart.ts";

// The worker file is the dist/ bundle's (test/globalSetup.ts builds it), as `npm start` runs it.
const input = (title: string, count: number): CountChartInput => ({
  title,
  unit: "signatures",
  goal: 500,
  points: [
    { at: new Date("2026-11-10T00:00:00Z"), count: 100 },
    { at: new Date("2026-11-20T12:00:00Z"), count },
  ],
  windowStart: new Date("2026-11-10T00:00:00Z"),
  windowEnd: new Date("2026-11-24T00:00:00Z"),
  timeZone: "Europe/Vilnius",
  locale: "uk",
  labels: { goal: "Мета 500" },
});

const pools: ChartPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
});

describe("charts drawn in worker threads", () => {
  it("draws the same PNG as this thread, several at once on two workers", async () => {
    const pool = createChartPool(chartWorkerFile, 2);
    pools.push(pool);
    const inputs = [input("Free them", 332), input("Лист", 480), input("Petition", 120)];

    const drawn = await Promise.all(inputs.map((chart) => pool.draw(chart)));

    expect(pool.size()).toBe(2);
    for (const [index, png] of drawn.entries()) {
      const image = await loadImage(png);
      expect([image.width, image.height]).toEqual([800, 400]);
      const here = await renderCountChart(inputs[index] as CountChartInput);
      expect(png.equals(here)).toBe(true);
    }
  });

  it("fails what a dying worker was drawing, and starts a new one for the next chart", async () => {
    const pool = createChartPool(chartWorkerFile, 1);
    pools.push(pool);
    await pool.draw(input("Warm", 200));
    const lost = pool.draw(input("Lost", 210));
    await pool.stop();
    await expect(lost).rejects.toThrow(/chart worker exited/);

    const again = await pool.draw(input("Again", 220));
    expect((await loadImage(again)).width).toBe(800);
  });
});
