import type { StoredMessage } from "../local-discord/localDiscord.ts";
import type { SandboxWorld } from "./session.ts";

/** `press Done`, `press Done on task 3`, `press Claim on message 1579…`. */
export interface PressTarget {
  label: string;
  on?: { kind: "task" | "message"; id: string };
}

export function parsePress(text: string): PressTarget {
  const on = /^(.+?)\s+on\s+(task|message)\s+#?(\d+)$/i.exec(text.trim());
  const unquote = (label: string) => label.trim().replace(/^"|"$/g, "");
  if (!on) return { label: unquote(text) };
  const kind = on[2]?.toLowerCase() === "task" ? "task" : "message";
  return { label: unquote(on[1] ?? ""), on: { kind, id: on[3] ?? "" } };
}

function hasButton(message: StoredMessage, label: string): boolean {
  const wanted = label.toLowerCase();
  return message.components.some((row) =>
    row.components.some((c) => "label" in c && c.label?.toLowerCase() === wanted),
  );
}

/** A task card: its footer reads "Task #3 · Open" (in the server's language: the number stays). */
function isCardOfTask(message: StoredMessage, number: string): boolean {
  const footer = message.embeds[0]?.footer?.text ?? "";
  return new RegExp(`#${number}(?!\\d)`).test(footer);
}

/**
 * The message whose button to press: by id, the card of a task (any channel, the current one
 * first), or the latest message here with that label. An error to show when there is none.
 */
export function messageToPress(
  world: SandboxWorld,
  target: PressTarget,
  context: { channelId: string; ephemeral: StoredMessage[] },
): StoredMessage | string {
  const { discord } = world;
  if (target.on?.kind === "message") {
    const message = discord.message(target.on.id);
    if (!message) return `! No message ${target.on.id}. Try read to see the messages.`;
    return hasButton(message, target.label)
      ? message
      : `! Message ${target.on.id} has no button labelled "${target.label}".`;
  }
  if (target.on?.kind === "task") {
    const number = target.on.id;
    const channelIds = [
      context.channelId,
      ...world.channels.map((channel) => channel.id).filter((id) => id !== context.channelId),
    ];
    const cards = channelIds.flatMap((id) =>
      discord
        .messages(id)
        .filter((message) => isCardOfTask(message, number) && message.components.length > 0)
        .reverse(),
    );
    if (cards.length === 0) return `! No card of task #${number} in the channels.`;
    return (
      cards.find((card) => hasButton(card, target.label)) ??
      `! The card of task #${number} has no button labelled "${target.label}".`
    );
  }
  const here = [...context.ephemeral, ...discord.messages(context.channelId)].reverse();
  return (
    here.find((message) => hasButton(message, target.label)) ??
    `No button labelled "${target.label}" here. Try read to see the messages.`
  );
}
