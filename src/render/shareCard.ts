import { createCanvas } from "@napi-rs/canvas";
import type { SKRSContext2D } from "@napi-rs/canvas";
import { fitText } from "./flyer.ts";
import type { FittedText } from "./flyer.ts";
import { registerFonts } from "./fonts.ts";
import { withoutEmoji } from "./withoutEmoji.ts";

export interface ShareCardInput {
  title: string;
  callToAction: string | null;
  count: number;
  goal: number;
  /** What is counted; the caller puts it in `labels.progress`, the card does not repeat it. */
  unit: string;
  /** "en", "ru", "uk": the percentage. */
  locale: string;
  /** Translated by the caller: "332 of 500 signatures". */
  labels: { progress: string };
}

export const shareCardSize = { width: 1200, height: 630 } as const;

const padding = 72;

/** Where the progress bar is drawn, and in which colors: tests sample it. */
export const shareCardBar = {
  x: padding,
  y: shareCardSize.height - 64 - 28,
  width: shareCardSize.width - 2 * padding,
  height: 28,
  track: "#2e3450",
  fill: "#ffc53d",
} as const;

const colors = {
  background: "#151a2d",
  title: "#ffffff",
  accent: "#e5484d",
  callToActionText: "#151a2d",
  label: "#d0d5dd",
} as const;

function setFont(ctx: SKRSContext2D, family: string, weight: 400 | 700, size: number): void {
  ctx.font = `${weight === 700 ? "bold " : ""}${size}px "${family}"`;
}

/** Draws lines with their capitals centered in each line box; returns the y below the last. */
function drawLines(
  ctx: SKRSContext2D,
  block: FittedText,
  x: number,
  top: number,
  lineHeight: number,
): number {
  const box = block.size * lineHeight;
  const capHeight = block.size * 0.714; // Noto Sans
  block.lines.forEach((line, i) => {
    ctx.fillText(line, x, top + i * box + (box + capHeight) / 2);
  });
  return top + block.lines.length * box;
}

/** A 1200×630 PNG for sharing a campaign: title, call to action and progress toward the goal. */
export async function renderShareCard(input: ShareCardInput): Promise<Buffer> {
  const family = registerFonts();
  const { width, height } = shareCardSize;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.textBaseline = "alphabetic";
  const measure = (weight: 400 | 700) => (text: string, size: number) => {
    setFont(ctx, family, weight, size);
    return ctx.measureText(text).width;
  };

  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);

  const contentWidth = width - 2 * padding;
  const title = fitText(
    withoutEmoji(input.title),
    { maxWidth: contentWidth, maxLines: 3, maxSize: 68, minSize: 36 },
    measure(700),
  );
  const titleLineHeight = 1.15;
  const rule = { gap: 14, height: 8, after: 30 };
  const callToAction = withoutEmoji(input.callToAction ?? "");
  const inset = 28;
  const pillLineHeight = 1.9;
  const action = callToAction
    ? fitText(
        callToAction,
        { maxWidth: contentWidth - 2 * inset, maxLines: 1, maxSize: 40, minSize: 24 },
        measure(700),
      )
    : null;

  // Title and call to action are centered in the room above the progress label.
  const groupHeight =
    title.lines.length * title.size * titleLineHeight +
    rule.gap +
    rule.height +
    (action ? rule.after + action.size * pillLineHeight : 0);
  const room = { top: 48, bottom: shareCardBar.y - 100 };
  let y = room.top + Math.max(0, (room.bottom - room.top - groupHeight) / 2);

  setFont(ctx, family, 700, title.size);
  ctx.fillStyle = colors.title;
  y = drawLines(ctx, title, padding, y, titleLineHeight) + rule.gap;
  ctx.fillStyle = colors.accent;
  ctx.fillRect(padding, y, 96, rule.height);
  y += rule.height + rule.after;

  if (action) {
    const line = action.lines[0] ?? "";
    const pillHeight = action.size * pillLineHeight;
    setFont(ctx, family, 700, action.size);
    const pillWidth = ctx.measureText(line).width + 2 * inset;
    ctx.fillStyle = shareCardBar.fill;
    ctx.beginPath();
    ctx.roundRect(padding, y, pillWidth, pillHeight, pillHeight / 2);
    ctx.fill();
    ctx.fillStyle = colors.callToActionText;
    drawLines(ctx, action, padding + inset, y, pillLineHeight);
  }

  // The progress label and percentage sit on the bar.
  const bar = shareCardBar;
  const labelSize = 30;
  const labelBaseline = bar.y - 22;
  const percent = new Intl.NumberFormat(input.locale, {
    style: "percent",
    maximumFractionDigits: 0,
  }).format(input.goal > 0 ? Math.floor((input.count * 100) / input.goal) / 100 : 0);
  setFont(ctx, family, 700, labelSize);
  const percentWidth = ctx.measureText(percent).width;
  ctx.fillStyle = shareCardBar.fill;
  ctx.fillText(percent, padding + contentWidth - percentWidth, labelBaseline);
  const label = fitText(
    withoutEmoji(input.labels.progress),
    { maxWidth: contentWidth - percentWidth - 32, maxLines: 1, maxSize: labelSize, minSize: 20 },
    measure(400),
  );
  setFont(ctx, family, 400, label.size);
  ctx.fillStyle = colors.label;
  ctx.fillText(label.lines[0] ?? "", padding, labelBaseline);

  ctx.save();
  ctx.beginPath();
  ctx.roundRect(bar.x, bar.y, bar.width, bar.height, bar.height / 2);
  ctx.clip();
  ctx.fillStyle = bar.track;
  ctx.fillRect(bar.x, bar.y, bar.width, bar.height);
  ctx.fillStyle = bar.fill;
  ctx.fillRect(bar.x, bar.y, bar.width * filledFraction(input.count, input.goal), bar.height);
  ctx.restore();

  return canvas.encode("png");
}

/** How much of the bar is filled: the count's share of the goal, within 0 and 1. */
function filledFraction(count: number, goal: number): number {
  return goal > 0 ? Math.min(1, Math.max(0, count / goal)) : 0;
}
