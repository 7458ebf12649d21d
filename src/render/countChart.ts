import { createCanvas } from "@napi-rs/canvas";
import type { SKRSContext2D } from "@napi-rs/canvas";
import {
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
} from "chart.js";
import type { ChartConfiguration, ChartItem, Plugin } from "chart.js";
import { DateTime } from "luxon";
import { registerFonts } from "./fonts.ts";
import { withoutEmoji } from "./withoutEmoji.ts";

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Filler,
  Title,
  Legend,
);

export interface CountPoint {
  at: Date;
  count: number;
}

export interface CountChartInput {
  /** Campaign title; shortened to fit the image, emoji dropped (no emoji font is bundled). */
  title: string;
  /** What is counted, shown in the legend: "signatures". */
  unit: string;
  goal: number;
  /** Count after each change, oldest first; the first is the last known count at windowStart. */
  points: CountPoint[];
  windowStart: Date;
  windowEnd: Date;
  /** IANA zone the days are cut in and labelled for. */
  timeZone: string;
  /** "en", "ru", "uk": numbers and day labels. */
  locale: string;
  /** Translated by the caller, e.g. "Goal 500". */
  labels: { goal: string };
}

const width = 800;
const height = 400;
const padding = 16;
const titleSize = 20;
/** A window longer than this is a caller bug, not a chart to draw day by day. */
const maxDays = 366;

// Discord's dark theme: the image reads as part of the message.
const colors = {
  background: "#313338",
  text: "#dbdee1",
  muted: "#b5bac1",
  grid: "rgba(255, 255, 255, 0.08)",
  count: "#57f287",
  countFill: "rgba(87, 242, 135, 0.15)",
  goal: "#fee75c",
} as const;

interface LocalDay {
  start: DateTime;
  end: DateTime;
}

/** Every local calendar day the window touches, cut at local midnights (23- and 25-hour days). */
function localDays(windowStart: Date, windowEnd: Date, timeZone: string): LocalDay[] {
  const first = DateTime.fromJSDate(windowStart, { zone: timeZone });
  if (!first.isValid) throw new RangeError(`Unknown time zone: ${timeZone}`);
  if (windowEnd.getTime() < windowStart.getTime()) {
    throw new RangeError("The window ends before it starts");
  }
  const endMillis = windowEnd.getTime();
  const days: LocalDay[] = [];
  let start = first.startOf("day");
  do {
    const end = start.plus({ days: 1 }).startOf("day");
    days.push({ start, end });
    if (days.length > maxDays) throw new RangeError(`A daily chart covers at most ${maxDays} days`);
    start = end;
  } while (start.toMillis() < endMillis);
  return days;
}

/**
 * One value per local day the window touches: the count at the end of that day (or at
 * windowEnd for the day still running), carried forward through days without changes.
 * Before the first point the count is 0.
 */
export function dailyCounts(
  points: CountPoint[],
  windowStart: Date,
  windowEnd: Date,
  timeZone: string,
): number[] {
  const sorted = [...points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const endMillis = windowEnd.getTime();
  let next = 0;
  let count = 0;
  return localDays(windowStart, windowEnd, timeZone).map((day) => {
    const dayEnd = day.end.toMillis();
    for (let point = sorted[next]; point !== undefined; point = sorted[next]) {
      const at = point.at.getTime();
      if (at >= dayEnd || at > endMillis) break;
      count = point.count;
      next += 1;
    }
    return count;
  });
}

/** Axis numbers stay short at any size: "1,200" but "1.2M" / "1,2 млн" once counts are large. */
export function formatAxisCount(value: number, max: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    notation: max >= 100_000 ? "compact" : "standard",
    maximumFractionDigits: 1,
  }).format(value);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The longest prefix (whole graphemes) that fits, with an ellipsis when something was cut. */
function fitText(ctx: SKRSContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const parts = [...graphemes.segment(text)].map((s) => s.segment);
  const candidate = (n: number) => parts.slice(0, n).join("").trimEnd() + "…";
  let low = 0;
  let high = parts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (ctx.measureText(candidate(mid)).width <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return candidate(low);
}

const background: Plugin<"line"> = {
  id: "rallyBackground",
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = colors.background;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** A PNG of a campaign's count per day over the window, with the goal as a dashed line. */
export async function renderCountChart(input: CountChartInput): Promise<Buffer> {
  const family = registerFonts();
  const fontFamily = `"${family}"`;
  const values = dailyCounts(input.points, input.windowStart, input.windowEnd, input.timeZone);
  const dayLabel = new Intl.DateTimeFormat(input.locale, {
    day: "numeric",
    month: "short",
    timeZone: input.timeZone,
  });
  const labels = localDays(input.windowStart, input.windowEnd, input.timeZone).map((day) =>
    // Noon is inside the day even when midnight is skipped or repeated.
    dayLabel.format(day.start.set({ hour: 12 }).toJSDate()),
  );
  const top = Math.max(input.goal, ...values, 1);

  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.font = `bold ${titleSize}px ${fontFamily}`;
  const title = fitText(ctx, withoutEmoji(input.title), width - 2 * padding);

  const config: ChartConfiguration<"line", number[], string> = {
    type: "line",
    data: {
      labels,
      datasets: [
        {
          label: input.unit,
          data: values,
          borderColor: colors.count,
          backgroundColor: colors.countFill,
          pointBackgroundColor: colors.count,
          borderWidth: 3,
          pointRadius: 3,
          fill: "origin",
          tension: 0,
        },
        {
          label: input.labels.goal,
          data: values.map(() => input.goal),
          borderColor: colors.goal,
          backgroundColor: colors.goal,
          borderWidth: 2,
          borderDash: [8, 6],
          pointRadius: 0,
          fill: false,
        },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      events: [],
      locale: input.locale,
      color: colors.text,
      font: { family: fontFamily, size: 13 },
      layout: { padding },
      plugins: {
        title: {
          display: true,
          text: title,
          align: "start",
          color: colors.text,
          font: { family: fontFamily, size: titleSize, weight: "bold" },
          padding: { top: 0, bottom: 8 },
        },
        legend: {
          position: "top",
          align: "start",
          labels: {
            color: colors.text,
            font: { family: fontFamily, size: 13 },
            usePointStyle: true,
            pointStyle: "line",
            pointStyleWidth: 28,
            boxHeight: 3,
          },
        },
      },
      scales: {
        x: {
          // Half a day of room at each end keeps the first and last date labels inside the image.
          offset: true,
          grid: { color: colors.grid },
          border: { color: colors.grid },
          ticks: {
            color: colors.muted,
            font: { family: fontFamily, size: 12 },
            maxRotation: 0,
            autoSkipPadding: 12,
          },
        },
        y: {
          min: 0,
          // A margin above the goal or the highest count; Chart.js rounds it up to a tick.
          suggestedMax: top * 1.1,
          grid: { color: colors.grid },
          border: { display: false },
          ticks: {
            color: colors.muted,
            font: { family: fontFamily, size: 12 },
            maxTicksLimit: 6,
            precision: 0,
            callback: (value) => formatAxisCount(Number(value), top, input.locale),
          },
        },
      },
    },
    plugins: [background],
  };

  // Chart.js runs on any object with getContext("2d"); its types only name the DOM canvas.
  const chart = new Chart(canvas as unknown as ChartItem, config);
  try {
    return await canvas.encode("png");
  } finally {
    chart.destroy();
  }
}
