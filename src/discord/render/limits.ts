import type { APIEmbed } from "discord.js";
import { characterCount, shorten } from "./text.ts";

/** Discord's documented message limits (in characters). */
export const limits = {
  content: 2000,
  embedsPerMessage: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  customId: 100,
  buttonLabel: 80,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  modalTitle: 45,
} as const;

/** The text parts of an embed that count towards the 6000 total, as get/set pairs. */
function textParts(embed: APIEmbed): { get: () => string; set: (text: string) => void }[] {
  const parts: { get: () => string; set: (text: string) => void }[] = [];
  if (embed.title)
    parts.push({ get: () => embed.title ?? "", set: (text) => (embed.title = text) });
  if (embed.description) {
    parts.push({ get: () => embed.description ?? "", set: (text) => (embed.description = text) });
  }
  const { footer, author } = embed;
  if (footer) parts.push({ get: () => footer.text, set: (text) => (footer.text = text) });
  if (author) parts.push({ get: () => author.name, set: (text) => (author.name = text) });
  for (const field of embed.fields ?? []) {
    parts.push({ get: () => field.name, set: (text) => (field.name = text) });
    parts.push({ get: () => field.value, set: (text) => (field.value = text) });
  }
  return parts;
}

/**
 * Clamps every part of the embeds to its own limit, then shortens the longest parts until the
 * message is within the 6000-character total. Renderers size text themselves; this is the last
 * guard, so that a long campaign never makes Discord refuse a message.
 */
export function fitEmbeds(embeds: readonly APIEmbed[]): APIEmbed[] {
  const fitted = embeds.slice(0, limits.embedsPerMessage).map((embed) => {
    const copy: APIEmbed = { ...embed };
    if (copy.title !== undefined) copy.title = shorten(copy.title, limits.embedTitle);
    if (copy.description !== undefined) {
      copy.description = shorten(copy.description, limits.embedDescription);
    }
    if (copy.footer)
      copy.footer = { ...copy.footer, text: shorten(copy.footer.text, limits.footer) };
    if (copy.author)
      copy.author = { ...copy.author, name: shorten(copy.author.name, limits.author) };
    if (copy.fields) {
      copy.fields = copy.fields.slice(0, limits.embedFields).map((field) => ({
        ...field,
        name: shorten(field.name, limits.fieldName),
        value: shorten(field.value, limits.fieldValue),
      }));
    }
    return copy;
  });
  const parts = fitted.flatMap(textParts);
  let excess = parts.reduce((sum, part) => sum + characterCount(part.get()), 0) - limits.embedTotal;
  while (excess > 0) {
    const longest = parts.reduce((a, b) =>
      characterCount(b.get()) > characterCount(a.get()) ? b : a,
    );
    const length = characterCount(longest.get());
    if (length <= 1) break;
    longest.set(shorten(longest.get(), Math.max(1, length - excess)));
    excess -= length - characterCount(longest.get());
  }
  return fitted;
}

export function fitContent(content: string): string {
  return shorten(content, limits.content);
}
