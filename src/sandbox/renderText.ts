import type { APIActionRowComponent, APIComponentInMessageActionRow, APIEmbed } from "discord.js";

/** The parts of a message the sandbox shows; matches what the local Discord stores. */
interface ShownMessage {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  attachments?: { filename: string; size: number }[];
}

export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
  role(id: string): string | undefined;
}

/** Renders Discord's inline markup the way a Discord client shows it to a reader. */
function renderMarkup(text: string, names: Names): string {
  return text
    .replace(/(?<!\\)<@!?(\d+)>/g, (_, id: string) => `@${names.user(id) ?? id}`)
    .replace(/(?<!\\)<#(\d+)>/g, (_, id: string) => `#${names.channel(id) ?? id}`)
    .replace(/(?<!\\)<@&(\d+)>/g, (_, id: string) => `@${names.role(id) ?? id}`)
    .replace(/(?<!\\)<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_, seconds: string, style?: string) =>
      renderTimestamp(Number(seconds) * 1000, style),
    )
    .replace(/\\([\\*_~`|<>#\-[\]()])/g, "$1");
}

function renderTimestamp(ms: number, style: string | undefined): string {
  const date = new Date(ms);
  if (style === "R") {
    const days = Math.round((ms - Date.now()) / 86_400_000);
    const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    return relative.format(days, "day");
  }
  if (style === "d" || style === "D") return date.toISOString().slice(0, 10);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A message as readable lines of text: content, embeds as boxes, buttons, attachments. */
export function renderMessage(message: ShownMessage, names: Names): string {
  const lines: string[] = [];
  if (message.content) lines.push(renderMarkup(message.content, names));
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
    const rendered = box.flatMap((line) => renderMarkup(line, names).split("\n"));
    lines.push(...rendered.map((line) => `│ ${line}`));
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
  for (const file of message.attachments ?? []) {
    lines.push(`📎 ${file.filename} (${Math.max(1, Math.round(file.size / 1024))} KB)`);
  }
  return lines.join("\n");
}
