import {
  channelMention,
  roleMention,
  userMention,
  type APIModalInteractionResponseCallbackData,
} from "discord.js";
import type {
  CommandOption,
  InteractionHandle,
  LocalDiscord,
  StoredAttachment,
  StoredMessage,
} from "../local-discord/localDiscord.ts";
import { directMessageIds, listDirectMessages, newDirectMessages } from "./directMessages.ts";
import { messageToPress, parsePress } from "./press.ts";
import { renderMessage, type Names, type Reader } from "./renderText.ts";
import type { SandboxTime } from "./time.ts";
import { now as clockNow } from "../clock.ts";
import {
  attachmentsOf,
  listSavedFiles,
  openSavedFile,
  saveSentFile,
  type SavedFile,
  type UploadedFile,
} from "./files.ts";

interface SandboxMember {
  id: string;
  name: string;
}

export interface SandboxWorld {
  discord: LocalDiscord;
  guildId: string;
  members: SandboxMember[];
  channels: { id: string; name: string }[];
  roles: { id: string; name: string }[];
}

export const sandboxHelp = [
  "Type a slash command as the current member, e.g.",
  '  /campaign create title:"Free political prisoners" goal:500',
  "  /rally help",
  "Other things you can type:",
  "  as @volunteer1                 switch member (as @volunteer1 /task claim … runs one command as them)",
  "  in #campaigns                  switch channel",
  "  locale [@member] ru            set your (or that member's) Discord language (en-US, ru, uk, …)",
  "  press Claim                    press a button by its label on the latest message that has it",
  "  press Done on task 3           … on the card of task #3 (or: on message <id>, shown by buttons)",
  "  read [#channel]                show the latest messages of a channel",
  "  wait 25h                       move the clock ahead (30m, 3d, until 2026-12-20 18:00)",
  "  file:@./tasks.csv              attach a file to an option that takes one (/task import …)",
  "  dms [@member]                  the direct messages Rally sent (you, or that member)",
  "  files · open [N]               the files Rally sent (saved in data/sandbox-files); open one",
  "  members · channels             list who and where you can be",
  "  help · quit",
  "Options with autocomplete take what you would type in Discord: the sandbox picks the match.",
].join("\n");

/** What the prompt remembers across runs, saved beside the local Discord's snapshot. */
export interface SessionMemory {
  /** Each member's Discord language, by user id (unset: the session's default). */
  locales: Record<string, string>;
  /** Files Rally sent, saved under data/sandbox-files, oldest first. */
  files: SavedFile[];
}

type ModalState = {
  modal: APIModalInteractionResponseCallbackData;
  fields: { id: string; label: string; required: boolean }[];
  values: Record<string, string>;
  channelId: string;
  memberId: string;
};

/**
 * One person at the sandbox prompt: who they are, where they are, and what they can press.
 * `run` takes one typed line and returns what to print; it never throws.
 */
export class SandboxSession {
  private member: SandboxMember;
  private channel: { id: string; name: string };
  private seen = new Set<string>();
  private ephemeral: StoredMessage[] = [];
  private modal: ModalState | undefined;
  /** The Discord language of the person at the prompt: sent with what they do, shown to them. */
  private readonly reader: Reader;
  private readonly time: SandboxTime | undefined;
  readonly names: Names;

  private readonly remembered: SessionMemory;
  /** Where files Rally sends are saved (data/sandbox-files); unset, they are only listed. */
  private readonly filesDir: string | undefined;
  private readonly settled: () => Promise<void>;
  private readonly localeOf: (memberId: string) => string;
  private readonly serverTimeZone: (() => Promise<string>) | undefined;
  /** Read again before each line's answer is shown. */
  private timeZone: string | undefined;

  constructor(
    private readonly world: SandboxWorld,
    options: {
      locale?: string;
      now?: () => Date;
      time?: SandboxTime;
      filesDir?: string;
      memory?: SessionMemory;
      /** Resolves when Rally finished what the interactions so far started (DMs, card edits). */
      settled?: () => Promise<void>;
      /** The server's time zone as Rally has it (/settings timezone). */
      serverTimeZone?: () => Promise<string>;
    } = {},
  ) {
    this.time = options.time;
    this.remembered = { locales: {}, files: [], ...structuredClone(options.memory) };
    this.filesDir = options.filesDir;
    this.settled = options.settled ?? (() => Promise.resolve());
    const defaultLocale = options.locale ?? "en-US";
    this.localeOf = (memberId) => this.remembered.locales[memberId] ?? defaultLocale;
    // The language is the Discord client's of whoever is at the prompt (or `as`) now.
    const currentLocale = () => this.localeOf(this.member.id);
    const zone = () => this.timeZone;
    this.reader = {
      get locale() {
        return currentLocale();
      },
      get timeZone() {
        return zone();
      },
      now: options.now ?? clockNow,
    };
    this.serverTimeZone = options.serverTimeZone;
    const [first] = world.members;
    const [channel] = world.channels;
    if (!first || !channel) throw new Error("the sandbox needs a member and a channel");
    this.member = first;
    this.channel = channel;
    for (const { id } of world.channels) {
      for (const message of world.discord.messages(id)) this.seen.add(message.id);
    }
    for (const id of directMessageIds(world)) this.seen.add(id);
    this.names = {
      user: (id) =>
        world.members.find((member) => member.id === id)?.name ??
        (id === world.discord.botUserId ? "Rally" : undefined),
      channel: (id) => world.channels.find((channel) => channel.id === id)?.name,
      role: (id) => world.roles.find((role) => role.id === id)?.name,
    };
  }

  private async readTimeZone(): Promise<void> {
    if (this.serverTimeZone) this.timeZone = await this.serverTimeZone();
  }

  /** Whether the next line answers a form's field (then it is not a command). */
  get fillingForm(): boolean {
    return this.modal !== undefined;
  }

  /** What to save for the next run. */
  memory(): SessionMemory {
    return structuredClone(this.remembered);
  }

  prompt(): string {
    if (this.modal) {
      const field = this.modal.fields[Object.keys(this.modal.values).length];
      return `  ${field?.label ?? ""}: `;
    }
    return `${this.member.name} in #${this.channel.name}> `;
  }

  async run(line: string): Promise<string> {
    try {
      await this.readTimeZone();
      if (this.modal) return await this.fillModal(line);
      return await this.command(line.trim());
    } catch (error) {
      return `! ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Channel posts and DMs that appeared since last asked (scheduled posts, cards, reminders). */
  newChannelPosts(): string {
    const out: string[] = [];
    for (const channel of this.world.channels) {
      for (const message of this.world.discord.messages(channel.id)) {
        if (this.seen.has(message.id)) continue;
        this.seen.add(message.id);
        out.push(`[#${channel.name}] Rally:\n${indent(this.render(message))}`);
      }
    }
    out.push(...newDirectMessages(this.world, this.seen, (message) => this.render(message)));
    return out.join("\n");
  }

  private async command(line: string): Promise<string> {
    if (line === "") return "";
    if (line === "help") return sandboxHelp;
    if (line === "members") return this.listMembers();
    if (line === "channels") return this.listChannels();
    const dms = /^dms(?:\s+@?(\S+))?$/.exec(line);
    if (dms) {
      const member = dms[1] ? this.findMember(dms[1]) : this.member;
      return listDirectMessages(this.world, member, (message) => this.render(message), this.seen);
    }
    if (line === "files") return listSavedFiles(this.remembered.files);
    const open = /^open(?:\s+(\d+))?$/.exec(line);
    if (open) return openSavedFile(this.remembered.files, Number(open[1] ?? 1));
    const as = /^as\s+@?(\S+)(?:\s+(.*))?$/.exec(line);
    if (as) {
      const member = this.findMember(as[1] ?? "");
      if (!as[2]) {
        this.member = member;
        return `You are now ${member.name}.`;
      }
      const previous = this.member;
      this.member = member;
      try {
        return await this.command(as[2]);
      } finally {
        this.member = previous;
      }
    }
    const locale = /^locale\s+(?:@(\S+)\s+)?(\S+)$/.exec(line);
    if (locale) {
      const member = locale[1] ? this.findMember(locale[1]) : this.member;
      this.remembered.locales[member.id] = locale[2] ?? "en-US";
      return member === this.member
        ? `Your Discord now speaks ${this.localeOf(member.id)}.`
        : `@${member.name}'s Discord now speaks ${this.localeOf(member.id)}.`;
    }
    const into = /^in\s+#?(\S+)$/.exec(line);
    if (into) {
      this.channel = this.findChannel(into[1] ?? "");
      return `You are now in #${this.channel.name}.`;
    }
    const read = /^read(?:\s+#?(\S+))?$/.exec(line);
    if (read) return this.read(read[1] ? this.findChannel(read[1]) : this.channel);
    const wait = /^wait(?:\s+(.*))?$/.exec(line);
    if (wait && this.time) return this.time.wait(wait[1] ?? "", () => this.newChannelPosts());
    const press = /^press\s+(.+)$/.exec(line);
    if (press) return this.press(press[1] ?? "");
    if (line.startsWith("/")) return this.slash(line);
    return `Unknown input. Type help for what you can do.`;
  }

  private async slash(line: string): Promise<string> {
    const { discord, guildId } = this.world;
    const parsed = discord.parseCommandLine(line);
    for (const [name, value] of Object.entries(parsed.options)) {
      parsed.options[name] = this.mentionFor(value);
    }
    const attachments = attachmentsOf(parsed.options, this.leafOptions(parsed));
    const options = await this.resolveAutocomplete(parsed, attachments);
    const handle = discord.slash({
      guildId,
      channelId: this.channel.id,
      userId: this.member.id,
      ...parsed,
      options,
      attachments,
      locale: this.reader.locale,
    });
    return this.answer(handle);
  }

  /** `#campaigns` and `@volunteer1` as a person types them, turned into Discord's mentions. */
  private mentionFor(value: string): string {
    const channel = this.world.channels.find((candidate) => `#${candidate.name}` === value);
    if (channel) return channelMention(channel.id);
    const member = this.world.members.find((candidate) => `@${candidate.name}` === value);
    if (member) return userMention(member.id);
    const role = this.world.roles.find((candidate) => `@${candidate.name}` === value);
    return role ? roleMention(role.id) : value;
  }

  /** Turns typed text into the value Discord would have sent after the member picked a choice. */
  private async resolveAutocomplete(
    parsed: ReturnType<LocalDiscord["parseCommandLine"]>,
    attachments: Record<string, UploadedFile>,
  ): Promise<Record<string, string | number | boolean>> {
    const { discord, guildId } = this.world;
    const options: Record<string, string | number | boolean> = { ...parsed.options };
    for (const option of this.leafOptions(parsed)) {
      const typed = options[option.name];
      if (typed === undefined || !("autocomplete" in option && option.autocomplete)) continue;
      const choices = await discord.autocomplete({
        guildId,
        channelId: this.channel.id,
        userId: this.member.id,
        ...parsed,
        options,
        focused: option.name,
        attachments,
        locale: this.reader.locale,
      });
      const text = String(typed).toLowerCase();
      const exact = choices.find(
        (choice) => choice.name.toLowerCase() === text || String(choice.value) === String(typed),
      );
      const pick = exact ?? (choices.length === 1 ? choices[0] : undefined);
      if (pick) {
        options[option.name] = pick.value;
      } else if (choices.length > 1) {
        const list = choices.map((choice) => `  ${choice.name}`).join("\n");
        throw new Error(`"${String(typed)}" matches several choices for ${option.name}:\n${list}`);
      }
    }
    return options;
  }

  /** The options of the (sub)command typed, as the bot registered them. */
  private leafOptions(parsed: ReturnType<LocalDiscord["parseCommandLine"]>): CommandOption[] {
    const registered = this.world.discord
      .commands(this.world.guildId)
      .find((command) => command.name === parsed.command);
    let level = registered?.options ?? [];
    for (const name of [parsed.subcommandGroup, parsed.subcommand]) {
      if (!name) continue;
      const next = level.find((option) => option.name === name);
      level = next?.options ?? [];
    }
    return level;
  }

  private async press(text: string): Promise<string> {
    const target = parsePress(text);
    const message = messageToPress(this.world, target, {
      channelId: this.channel.id,
      ephemeral: this.ephemeral,
    });
    if (typeof message === "string") return message;
    const handle = this.world.discord.clickButton({
      messageId: message.id,
      userId: this.member.id,
      label: target.label,
      locale: this.reader.locale,
    });
    return this.answer(handle);
  }

  private async answer(handle: InteractionHandle): Promise<string> {
    const response = await handle.response();
    if (response.type === 9) {
      return this.openModal(response.data as APIModalInteractionResponseCallbackData);
    }
    const out: string[] = [];
    if (response.type === 4 || response.type === 5) {
      const message = response.type === 5 ? await handle.final() : handle.original();
      if (message) out.push(this.show(message));
    } else if (response.type === 6 || response.type === 7) {
      // A button that updates its message may also tell the presser something privately.
      await this.world.discord
        .waitFor(() => (handle.followups.length > 0 ? true : undefined), 300)
        .catch(() => undefined);
      const updated = handle.original();
      if (updated) out.push(`(the message updated)\n${indent(this.render(updated))}`);
    }
    await this.settled();
    await this.readTimeZone();
    for (const followup of handle.followups) out.push(this.show(followup));
    const posts = this.newChannelPosts();
    if (posts) out.push(posts);
    return out.join("\n");
  }

  /** A message as text; the files it carries are saved (data/sandbox-files) and their paths shown. */
  private render(message: StoredMessage): string {
    const { filesDir } = this;
    const savedAs = (file: StoredAttachment) =>
      filesDir === undefined ? undefined : saveSentFile(filesDir, file, this.remembered.files).path;
    return renderMessage({ ...toShown(message, savedAs), id: message.id }, this.names, this.reader);
  }

  private show(message: StoredMessage): string {
    const ephemeral = ((message.flags ?? 0) & 64) !== 0;
    if (ephemeral) this.ephemeral.push(message);
    else this.seen.add(message.id);
    const who = ephemeral ? "Rally (only you can see this)" : `[#${this.channel.name}] Rally`;
    return `${who}:\n${indent(this.render(message))}`;
  }

  private openModal(modal: APIModalInteractionResponseCallbackData): string {
    const fields = modal.components.flatMap((row) =>
      "components" in row
        ? row.components.flatMap((input) =>
            "custom_id" in input && "label" in input
              ? [
                  {
                    id: input.custom_id,
                    label: String(input.label),
                    required: input.required !== false,
                  },
                ]
              : [],
          )
        : [],
    );
    this.modal = {
      modal,
      fields,
      values: {},
      channelId: this.channel.id,
      memberId: this.member.id,
    };
    return `A form opened: ${modal.title}. Answer each field (an empty line leaves an optional one blank).`;
  }

  private async fillModal(line: string): Promise<string> {
    const state = this.modal;
    if (!state) return "";
    const field = state.fields[Object.keys(state.values).length];
    if (field) state.values[field.id] = line.trim();
    if (Object.keys(state.values).length < state.fields.length) return "";
    this.modal = undefined;
    const handle = this.world.discord.submitModal({
      modal: { customId: state.modal.custom_id, components: state.modal.components },
      userId: state.memberId,
      guildId: this.world.guildId,
      channelId: state.channelId,
      values: state.values,
      locale: this.localeOf(state.memberId),
    });
    return this.answer(handle);
  }

  private read(channel: { id: string; name: string }): string {
    const messages = this.world.discord.messages(channel.id).slice(-10);
    if (messages.length === 0) return `#${channel.name} has no messages yet.`;
    return messages
      .map((message) => {
        this.seen.add(message.id);
        return `[#${channel.name}] Rally:\n${indent(this.render(message))}`;
      })
      .join("\n");
  }

  private listMembers(): string {
    return this.world.members
      .map((member) => `${member.id === this.member.id ? "*" : " "} @${member.name}`)
      .join("\n");
  }

  private listChannels(): string {
    return this.world.channels
      .map((channel) => `${channel.id === this.channel.id ? "*" : " "} #${channel.name}`)
      .join("\n");
  }

  private findMember(name: string): SandboxMember {
    const member = this.world.members.find(
      (candidate) => candidate.name === name.replace(/^@/, ""),
    );
    if (!member) throw new Error(`No member called @${name}. Type members to list them.`);
    return member;
  }

  private findChannel(name: string): { id: string; name: string } {
    const channel = this.world.channels.find(
      (candidate) => candidate.name === name.replace(/^#/, ""),
    );
    if (!channel) throw new Error(`No channel called #${name}. Type channels to list them.`);
    return channel;
  }
}

function toShown(message: StoredMessage, savedAs: (file: StoredAttachment) => string | undefined) {
  return {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments.map((file) => {
      const path = savedAs(file);
      return { filename: file.filename, size: file.size, ...(path ? { savedAs: path } : {}) };
    }),
  };
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `  ${line}` : ""))
    .join("\n");
}
