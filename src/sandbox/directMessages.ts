import type { StoredMessage } from "../local-discord/localDiscord.ts";
import type { SandboxWorld } from "./session.ts";

type Member = SandboxWorld["members"][number];

/** A member's direct messages from Rally, oldest first (none until Rally opened the DM). */
function directMessagesOf(world: SandboxWorld, member: Member): StoredMessage[] {
  const channel = world.discord.directMessageChannel(member.id);
  return channel ? world.discord.messages(channel.id) : [];
}

/** The DMs Rally sent that are not in `seen` yet, as "DM to @volunteer1:" blocks. */
export function newDirectMessages(
  world: SandboxWorld,
  seen: Set<string>,
  render: (message: StoredMessage) => string,
): string[] {
  return world.members.flatMap((member) =>
    directMessagesOf(world, member).flatMap((message) => {
      if (seen.has(message.id)) return [];
      seen.add(message.id);
      return [`DM to @${member.name}:\n${indent(render(message))}`];
    }),
  );
}

/** `dms [@member]`: the latest direct messages Rally sent to a member. */
export function listDirectMessages(
  world: SandboxWorld,
  member: Member,
  render: (message: StoredMessage) => string,
  seen: Set<string>,
): string {
  const messages = directMessagesOf(world, member).slice(-10);
  if (messages.length === 0) return `Rally has sent @${member.name} no direct messages.`;
  return messages
    .map((message) => {
      seen.add(message.id);
      return `DM to @${member.name} (${message.timestamp.slice(0, 16).replace("T", " ")} UTC):\n${indent(render(message))}`;
    })
    .join("\n");
}

/** All DM message ids so far: what a new prompt counts as already seen. */
export function directMessageIds(world: SandboxWorld): string[] {
  return world.members.flatMap((member) =>
    directMessagesOf(world, member).map((message) => message.id),
  );
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
