import type { APIActionRowComponent, APIComponentInMessageActionRow, APIEmbed } from "discord.js";
import { now as clockNow } from "../clock.ts";

/** The parts of a message the sandbox shows; matches what the local Discord stores. */
interface ShownMessage {
  /** Shown after its buttons, for `press … on message <id>`. */
  id?: string;
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  /** `savedAs`: where the sandbox saved the file, shown after it. */
  attachments?: { filename: string; size: number; savedAs?: string }[];
}

export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
  role(id: string): string | undefined;
}

/** Who reads: their Discord language, and the time relative times are counted from. */
export interface Reader {
  locale: string;
  readonly now: () => Date;
  /** The server's time zone (/settings timezone): absolute times are shown in it. Unset: UTC. */
  readonly timeZone?: string | undefined;
}

const englishReader: Reader = { locale: "en-US", now: clockNow };

/** Renders Discord's inline markup the way a Discord client shows it to a reader. */
function renderMarkup(text: string, names: Names, reader: Reader): string {
  return text
    .replace(/(?<!\\)<@!?(\d+)>/g, (_, id: string) => `@${names.user(id) ?? id}`)
    .replace(/(?<!\\)<#(\d+)>/g, (_, id: string) => `#${names.channel(id) ?? id}`)
    .replace(/(?<!\\)<@&(\d+)>/g, (_, id: string) => `@${names.role(id) ?? id}`)
    .replace(/(?<!\\)<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_, seconds: string, style?: string) =>
      renderTimestamp(Number(seconds) * 1000, style, reader),
    )
    .replace(/\\([\\*_~`|<>#\-[\]()])/g, "$1");
}

/** The largest unit that fits, as Discord's client picks it ("in 3 hours", "через 24 дня"). */
const relativeUnits: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

function renderTimestamp(ms: number, style: string | undefined, reader: Reader): string {
  const date = new Date(ms);
  if (style === "R") {
    const seconds = (ms - reader.now().getTime()) / 1000;
    const [unit, size] = relativeUnits.find(([, length]) => Math.abs(seconds) >= length) ?? [
      "second",
      1,
    ];
    return new Intl.RelativeTimeFormat(reader.locale).format(Math.round(seconds / size), unit);
  }
  const zone = reader.timeZone ?? "UTC";
  const local = dateTimeIn(date, zone);
  if (style === "d" || style === "D") return local.slice(0, 10);
  return `${local} ${zone}`;
}

/** "2026-12-31 23:59" as a clock in `zone` shows it. */
function dateTimeIn(date: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((candidate) => candidate.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

/** A message as readable lines of text: content, embeds as boxes, buttons, attachments. */
export function renderMessage(
  message: ShownMessage,
  names: Names,
  reader: Reader = englishReader,
): string {
  const lines: string[] = [];
  if (message.content) lines.push(renderMarkup(message.content, names, reader));
  for (const embed of message.embeds ?? []) {
    const box: string[] = [];
    if (embed.author?.name) box.push(embed.author.name);
    if (embed.title) box.push(`**${embed.title}**`);
    if (embed.url) box.push(embed.url);
    if (embed.description) box.push(...embed.description.split("\n"));
    for (const field of embed.fields ?? []) {
      box.push(`${field.name}: ${field.value.split("\n").join("\n  ")}`);
    }
    if (embed.image?.url) box.push(`[image: ${embed.image.url}]`);
    if (embed.footer?.text) box.push(`— ${embed.footer.text}`);
    const rendered = box.flatMap((line) => renderMarkup(line, names, reader).split("\n"));
    // An empty line of an embed is "│", not "│ ": no trailing space in a transcript.
    lines.push(...rendered.map((line) => (line ? `│ ${line}` : "│")));
  }
  for (const row of message.components ?? []) {
    const labels = row.components.map((component) => {
      if ("label" in component && component.label) {
        const disabled = "disabled" in component && component.disabled ? " (disabled)" : "";
        return `[ ${component.label} ]${disabled}`;
      }
      return "[ menu ]";
    });
    lines.push(labels.join(" "));
  }
  if (message.id !== undefined && (message.components ?? []).length > 0) {
    lines[lines.length - 1] += ` · message ${message.id}`;
  }
  for (const file of message.attachments ?? []) {
    const saved = file.savedAs === undefined ? "" : ` → ${file.savedAs}`;
    lines.push(`📎 ${file.filename} (${Math.max(1, Math.round(file.size / 1024))} KB)${saved}`);
  }
  return lines.join("\n");
}
