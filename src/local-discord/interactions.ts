import { randomBytes } from "node:crypto";
import type { APIModalInteractionResponseCallbackData } from "discord-api-types/v10";
import type { Gateway } from "./gateway.ts";
import { characters, maxAttachmentBytes, walkComponents } from "./limits.ts";
import type { ComponentShape } from "./limits.ts";
import { apiChannel, apiMember, apiMessage, apiRole, apiUser } from "./state.ts";
import type { CommandOption, InteractionRecord, Json, LocalGuild, State } from "./state.ts";
import type { RegisteredCommand, StoredMessage } from "./state.ts";

export type OptionValue = string | number | boolean;

export interface SlashInput {
  guildId: string;
  channelId: string;
  userId: string;
  /** Defaults to "en-US". */
  locale?: string;
  command: string;
  subcommandGroup?: string;
  subcommand?: string;
  options?: Record<string, OptionValue>;
  /** The files of attachment options, by option name. */
  attachments?: Record<string, { filename: string; contentType: string; data: Buffer }>;
}

export interface ParsedCommandLine {
  command: string;
  subcommandGroup?: string;
  subcommand?: string;
  options: Record<string, string>;
}

/** A modal to submit when there is no handle (the sandbox keeps it across prompts). */
export interface ModalData {
  customId: string;
  components: readonly unknown[];
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /**
   * The first accepted callback (types 4–9). Rejects once Discord's first-response deadline
   * has passed without one (Discord then shows "The application did not respond"), or after
   * `timeoutMs` when given: a busy machine makes a bot slower, not wrong.
   */
  response(timeoutMs?: number): Promise<{ type: number; data?: unknown }>;
  /** The original response message as it is now, after any edits. */
  original(): StoredMessage | undefined;
  /**
   * Waits until the original response is complete (after a defer: edited). Rejects when the
   * first response missed its deadline or the token expired (15 minutes), or after `timeoutMs`
   * when given; otherwise a hang is bounded by the caller's own timeout.
   */
  final(timeoutMs?: number): Promise<StoredMessage>;
  readonly followups: StoredMessage[];
  /** The modal the bot opened (callback type 9), if it did. */
  readonly modal: APIModalInteractionResponseCallbackData | undefined;
}

interface Context {
  guildId: string;
  channelId: string;
  userId: string;
  locale?: string;
}

type Resolved = Record<"users" | "members" | "roles" | "channels" | "attachments", Json>;

/** Builds INTERACTION_CREATE payloads as a member would cause them, and dispatches them. */
export class Interactions {
  constructor(
    private readonly state: State,
    private readonly gateway: Gateway,
  ) {}

  /** A chat input command of the guild, or global. */
  findCommand(name: string, guildId?: string): RegisteredCommand {
    const { state } = this;
    const guildCommands =
      guildId === undefined ? [...state.guildCommands.values()].flat() : state.commandsFor(guildId);
    const candidates = [...guildCommands, ...state.globalCommands].filter((c) => c.type === 1);
    const command = candidates.find((candidate) => candidate.name === name);
    const known = candidates.map((candidate) => `/${candidate.name}`).join(", ") || "none";
    return command ?? fail(`Unknown command /${name} (registered: ${known})`);
  }

  /** '/campaign create title:"Free them" goal:500' → command, subcommand and string options. */
  parseCommandLine(line: string, guildId?: string): ParsedCommandLine {
    const words: string[] = [];
    const options: Record<string, string> = {};
    for (const token of tokenize(line.trim().replace(/^\//, ""))) {
      const colon = token.text.indexOf(":");
      if (colon > 0 && !token.quotedWord) {
        options[token.text.slice(0, colon)] = token.text.slice(colon + 1);
      } else if (Object.keys(options).length > 0) {
        fail(`Expected name:value after the options, got "${token.text}"`);
      } else words.push(token.text);
    }
    const [name, first, second, ...rest] = words;
    if (name === undefined) fail("Type a command, like /help");
    const parsed: ParsedCommandLine = { command: name, options };
    // Whether the first word is a group or a subcommand depends on what the bot registered.
    const isGroup = this.findCommand(name, guildId).options?.some(
      (option) => option.type === 2 && option.name === first,
    );
    if (isGroup && first !== undefined) parsed.subcommandGroup = first;
    const subcommand = isGroup ? second : first;
    if (subcommand !== undefined) parsed.subcommand = subcommand;
    const extra = isGroup ? rest : [second, ...rest].filter((word) => word !== undefined);
    if (extra.length > 0) fail(`Unexpected "${extra.join(" ")}"; options are written name:value`);
    return parsed;
  }

  slash(input: SlashInput, focused?: string): InteractionHandle {
    const command = this.findCommand(input.command, input.guildId);
    const { definitions, wrap, label } = leafOf(command, input);
    const guild = this.state.guild(input.guildId);
    const resolved: Resolved = { users: {}, members: {}, roles: {}, channels: {}, attachments: {} };
    const given = input.options ?? {};
    const names = definitions.map((option) => option.name);
    const unknown = Object.keys(given).find((name) => !names.includes(name));
    if (unknown !== undefined) {
      fail(`Unknown option "${unknown}" for ${label} (options: ${names.join(", ") || "none"})`);
    }
    if (focused !== undefined && !definitions.some((o) => o.name === focused && o.autocomplete)) {
      fail(`The option "${focused}" of ${label} has no autocomplete`);
    }
    const options: Json[] = [];
    for (const definition of definitions) {
      const { name, type } = definition;
      const raw = given[name];
      if (name === focused) {
        // What the member is typing arrives as text, whatever the option's type.
        options.push({ name, type, value: String(raw ?? ""), focused: true });
      } else if (raw !== undefined) {
        options.push({ name, type, value: this.coerce(definition, raw, input, guild, resolved) });
      } else if (definition.required && focused === undefined) {
        fail(`Missing required option "${name}" for ${label}`);
      }
    }
    const used = Object.entries(resolved).filter(([, map]) => Object.keys(map).length > 0);
    const data = {
      id: command.id,
      name: command.name,
      type: 1,
      ...(command.guild_id === undefined ? {} : { guild_id: command.guild_id }),
      options: wrap(options),
      ...(used.length > 0 ? { resolved: Object.fromEntries(used) } : {}),
    };
    return this.dispatch(focused === undefined ? 2 : 4, input, data);
  }

  async autocomplete(input: SlashInput & { focused: string }, timeoutMs?: number) {
    const handle = this.slash(input, input.focused);
    const record = this.record(handle.id);
    const what = () => `an autocomplete answer for /${input.command}`;
    await this.state.waitFor(
      () => record.callback ?? record.refusal ?? unanswered(this.state, record),
      timeoutMs,
      what,
    );
    if (!record.callback) {
      fail(`The bot's autocomplete answer was refused: ${JSON.stringify(record.refusal)}`);
    }
    const data = record.callback.data as { choices?: { name: string; value: string | number }[] };
    return data.choices ?? [];
  }

  clickButton(input: {
    messageId: string;
    userId: string;
    customId?: string;
    label?: string;
    locale?: string;
  }) {
    const message =
      this.state.messages.get(input.messageId) ?? fail(`Unknown message ${input.messageId}`);
    const buttons: ComponentShape[] = [];
    walkComponents(message.components, (component) => {
      if (component.type === 2) buttons.push(component);
    });
    const name = input.label ?? input.customId ?? "";
    const button = buttons.find((candidate) =>
      input.customId !== undefined
        ? candidate.custom_id === input.customId
        : candidate.label?.toLowerCase() === name.toLowerCase(),
    );
    if (!button) {
      const known = buttons.map((candidate) => candidate.label ?? candidate.custom_id).join(", ");
      fail(`No button "${name}" on that message (buttons: ${known || "none"})`);
    }
    if (button.disabled) fail(`The button "${name}" is disabled`);
    if (button.custom_id === undefined) fail(`The button "${name}" is a link`);
    return this.pressCustomId({ ...input, customId: button.custom_id });
  }

  /**
   * A member picks options of a string select menu (type 3) on a message, as Discord's client
   * allows: only values the menu offers, between its min_values (default 1) and max_values
   * (default 1), on a menu that is not disabled.
   */
  chooseOptions(input: {
    messageId: string;
    userId: string;
    customId: string;
    values: string[];
    locale?: string;
  }) {
    const message =
      this.state.messages.get(input.messageId) ?? fail(`Unknown message ${input.messageId}`);
    const menus: ComponentShape[] = [];
    walkComponents(message.components, (component) => {
      if (component.type === 3) menus.push(component);
    });
    const menu =
      menus.find((candidate) => candidate.custom_id === input.customId) ??
      fail(`No select menu "${input.customId}" on that message`);
    if (menu.disabled) fail(`The select menu "${input.customId}" is disabled`);
    const offered = (menu.options ?? []).map((option) => (option as { value: string }).value);
    const unknown = input.values.find((value) => !offered.includes(value));
    if (unknown !== undefined) {
      fail(`The select menu offers no "${unknown}" (options: ${offered.join(", ")})`);
    }
    const [min, max] = [menu.min_values ?? 1, menu.max_values ?? 1];
    if (input.values.length < min || input.values.length > max) {
      fail(`The select menu takes ${min} to ${max} values, got ${input.values.length}`);
    }
    if (new Set(input.values).size !== input.values.length) fail("A value was chosen twice");
    const channel = this.state.channel(message.channel_id);
    const context = { ...input, guildId: channel.guildId ?? "", channelId: channel.id };
    const data = { custom_id: input.customId, component_type: 3, values: input.values };
    return this.dispatch(3, context, data, message);
  }

  /**
   * What a modified client can send: a press of any custom_id on a message, whether or not the
   * message shows such a button. Discord's own client only sends the buttons it shows.
   */
  pressCustomId(input: { messageId: string; userId: string; customId: string; locale?: string }) {
    const message =
      this.state.messages.get(input.messageId) ?? fail(`Unknown message ${input.messageId}`);
    const channel = this.state.channel(message.channel_id);
    const context = { ...input, guildId: channel.guildId ?? "", channelId: channel.id };
    return this.dispatch(3, context, { custom_id: input.customId, component_type: 2 }, message);
  }

  /**
   * From the handle of the interaction that opened the modal, or from the modal itself;
   * `messageId` says which message the form came from, as a modified client may claim.
   */
  submitModal(
    input: Partial<Context> & {
      handle?: InteractionHandle;
      modal?: ModalData;
      messageId?: string;
      userId: string;
      values: Record<string, string>;
    },
  ): InteractionHandle {
    const opener = input.handle
      ? this.record(input.handle.id)
      : this.openerOf(input.userId, input.modal?.customId);
    const opened = input.handle?.modal;
    const modal =
      input.modal ?? (opened && { customId: opened.custom_id, components: opened.components });
    if (!modal) fail("No modal to submit: the bot did not open one (callback type 9)");
    const guildId = input.guildId ?? opener?.guildId ?? fail("submitModal needs a guildId");
    const channelId = input.channelId ?? opener?.channelId ?? fail("submitModal needs a channelId");
    const fields: ComponentShape[] = [];
    walkComponents(modal.components, (component) => {
      if (component.type === 4) fields.push(component);
    });
    const ids = fields.map((field) => field.custom_id);
    const unknown = Object.keys(input.values).find((id) => !ids.includes(id));
    if (unknown !== undefined) {
      fail(`The modal has no field "${unknown}" (fields: ${ids.join(", ")})`);
    }
    for (const field of fields) {
      const length = characters(input.values[field.custom_id ?? ""]);
      const [min, max] = [field.min_length ?? 0, field.max_length ?? 4000];
      if (field.required !== false && length === 0) {
        fail(`The field "${field.custom_id}" is required`);
      }
      if (length > max || (length > 0 && length < min)) {
        fail(`The field "${field.custom_id}" takes ${min} to ${max} characters`);
      }
    }
    const answer = (textInput: ComponentShape) => {
      const value = input.values[textInput.custom_id ?? ""] ?? "";
      return { type: 4, custom_id: textInput.custom_id, value };
    };
    const components = (modal.components as ComponentShape[]).flatMap((top): Json[] => {
      if (top.type === 1) return [{ type: 1, components: (top.components ?? []).map(answer) }];
      if (top.component?.type === 4) return [{ type: top.type, component: answer(top.component) }];
      return [];
    });
    const sourceId = input.messageId ?? opener?.sourceMessageId ?? "";
    const source = this.state.messages.get(sourceId);
    if (input.messageId !== undefined && !source) fail(`Unknown message ${input.messageId}`);
    const context = { ...input, guildId, channelId };
    return this.dispatch(5, context, { custom_id: modal.customId, components }, source);
  }

  /**
   * The member's latest interaction that opened this modal: Discord's client knows which
   * message a form came from, so a submit without a handle still carries that message.
   */
  private openerOf(userId: string, customId: string | undefined): InteractionRecord | undefined {
    if (customId === undefined) return undefined;
    const records = [...this.state.interactions.values()].reverse();
    return records.find((record) => {
      const callback = record.callback;
      const data = callback?.data as { custom_id?: string } | undefined;
      return record.userId === userId && callback?.type === 9 && data?.custom_id === customId;
    });
  }

  /** Turns what the member typed into the value Discord sends, adding mentions to `resolved`. */
  private coerce(
    definition: CommandOption,
    raw: OptionValue,
    input: SlashInput,
    guild: LocalGuild,
    resolved: Resolved,
  ): OptionValue {
    const { state } = this;
    const text = String(raw).trim();
    const invalid = (expected: string): never =>
      fail(`The option "${definition.name}" must be ${expected}, got "${text}"`);
    // Mentions as Discord writes them: <@id>, <@!id>, <@&id>, <#id>, or the bare id.
    const mentioned = () =>
      /^(?:<(?:@!?|@&|#))?(\d{5,})>?$/.exec(text)?.[1] ?? invalid("a mention or an id");
    const choices = definition.choices;
    switch (definition.type) {
      case 3: {
        const choice = choices?.find((option) => option.value === text || option.name === text);
        if (choices && !choice) {
          invalid(`one of ${choices.map((option) => option.name).join(", ")}`);
        }
        const [min, max] = [definition.min_length ?? 0, definition.max_length ?? 6000];
        if (characters(text) < min || characters(text) > max) {
          invalid(`${min} to ${max} characters`);
        }
        return choice?.value ?? text;
      }
      case 4:
      case 10: {
        const value = text === "" ? NaN : Number(text);
        const integer = definition.type === 4;
        if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
          invalid(integer ? "an integer" : "a number");
        }
        const [min, max] = [definition.min_value ?? -Infinity, definition.max_value ?? Infinity];
        if (value < min || value > max) invalid(`between ${min} and ${max}`);
        if (choices && !choices.some((choice) => choice.value === value)) {
          invalid(`one of ${choices.map((choice) => choice.value).join(", ")}`);
        }
        return value;
      }
      case 5: {
        const value = { true: true, yes: true, false: false, no: false }[text.toLowerCase()];
        return value ?? invalid("true, false, yes or no");
      }
      case 6:
      case 9: {
        const id = mentioned();
        const role = definition.type === 9 ? guild.roles.get(id) : undefined;
        if (role) {
          resolved.roles[id] = apiRole(role);
          return id;
        }
        const user = state.users.get(id) ?? invalid("a known user");
        resolved.users[id] = apiUser(user);
        if (!guild.members.has(id)) return id;
        // A resolved member carries its permissions in the channel, and its user only in `users`.
        const member = apiMember(guild, user);
        delete member["user"];
        const channel = state.channel(input.channelId);
        resolved.members[id] = {
          ...member,
          permissions: state.permissions(guild, id, channel).toString(),
        };
        return id;
      }
      case 7: {
        const id = mentioned();
        const channel = state.channels.get(id);
        if (channel?.guildId !== guild.id) return invalid("a channel of this server");
        if (definition.channel_types && !definition.channel_types.includes(channel.type)) {
          invalid(`a channel of type ${definition.channel_types.join(" or ")}`);
        }
        const permissions = state.permissions(guild, input.userId, channel).toString();
        resolved.channels[id] = { ...apiChannel(channel, state), permissions };
        return id;
      }
      case 8: {
        const id = mentioned();
        const role = guild.roles.get(id) ?? invalid("a role of this server");
        resolved.roles[id] = apiRole(role);
        return id;
      }
      case 11: {
        const file = input.attachments?.[definition.name] ?? invalid("a file in `attachments`");
        const stored = state.storeAttachment(file.filename, file.contentType, file.data);
        const { filename, size, url } = stored;
        const fields = { filename, size, url, proxy_url: url, content_type: stored.contentType };
        resolved.attachments[stored.id] = { id: stored.id, ...fields, ephemeral: true };
        return stored.id;
      }
      default:
        return invalid(`of a supported type (this one is type ${definition.type})`);
    }
  }

  private record(id: string): InteractionRecord {
    return this.state.interactions.get(id) ?? fail(`Unknown interaction ${id}`);
  }

  private dispatch(type: number, context: Context, data: Json, message?: StoredMessage) {
    const { state } = this;
    const guild = state.guild(context.guildId);
    const channel = state.channel(context.channelId);
    const user = state.user(context.userId);
    if (channel.guildId !== guild.id) fail(`#${channel.name} is not in ${guild.name}`);
    if (!guild.members.has(user.id)) fail(`${user.username} is not a member of ${guild.name}`);
    if (!this.gateway.reaches(guild.id)) fail("The bot is not connected to the gateway");
    const record: InteractionRecord = {
      id: state.newId(),
      token: `interaction.${randomBytes(24).toString("base64url")}`,
      type,
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      createdAt: state.now(),
      callback: undefined,
      refusal: undefined,
      originalMessageId: undefined,
      originalReady: false,
      sourceMessageId: message?.id,
      followupIds: [],
    };
    state.interactions.set(record.id, record);
    const permissions = state.permissions(guild, user.id, channel).toString();
    this.gateway.dispatch(
      "INTERACTION_CREATE",
      {
        id: record.id,
        application_id: state.applicationId,
        type,
        token: record.token,
        version: 1,
        data,
        guild_id: guild.id,
        channel_id: channel.id,
        guild: { id: guild.id, locale: guild.locale, features: [] },
        guild_locale: guild.locale,
        channel: apiChannel(channel, state),
        member: { ...apiMember(guild, user), permissions },
        app_permissions: state.permissions(guild, state.botUser.id, channel).toString(),
        locale: context.locale ?? "en-US",
        // discord.js throws on a payload without these, and interactionCreate never fires.
        entitlements: [],
        authorizing_integration_owners: { "0": guild.id },
        context: 0,
        attachment_size_limit: maxAttachmentBytes,
        ...(message && { message: apiMessage(message, state) }),
      },
      guild.id,
    );
    return handleFor(state, record);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Undefined while the first response may still come; throws once Discord's deadline has passed
 * without one. A callback arriving later is refused by the REST side with the same rule.
 */
function unanswered(state: State, record: InteractionRecord): undefined {
  if (state.now() - record.createdAt <= state.interactionDeadlineMs) return undefined;
  const refused = record.refusal ? `; refused: ${JSON.stringify(record.refusal)}` : "";
  return fail(
    `No response within Discord's ${state.interactionDeadlineMs} ms deadline ("The application did not respond")${refused}`,
  );
}

function handleFor(state: State, record: InteractionRecord): InteractionHandle {
  const original = () => state.messages.get(record.originalMessageId ?? "");
  const refusal = () => (record.refusal ? `; refused: ${JSON.stringify(record.refusal)}` : "");
  return {
    id: record.id,
    token: record.token,
    response: (timeoutMs) =>
      state.waitFor(
        () => record.callback ?? unanswered(state, record),
        timeoutMs,
        () => `a response${refusal()}`,
      ),
    original,
    final: (timeoutMs) =>
      state.waitFor(
        () => {
          if (record.originalReady) return original();
          if (!record.callback) return unanswered(state, record);
          if (state.now() - record.createdAt > state.tokenLifetimeMs) {
            fail(`The interaction token expired before the final reply${refusal()}`);
          }
          return undefined;
        },
        timeoutMs,
        () => `the final reply${record.callback ? ` after callback ${record.callback.type}` : ""}`,
      ),
    get followups() {
      return record.followupIds.flatMap((id) => state.messages.get(id) ?? []);
    },
    get modal() {
      const callback = record.callback;
      return callback?.type === 9
        ? (callback.data as APIModalInteractionResponseCallbackData)
        : undefined;
    },
  };
}

/** The registered options the member fills in, and how to nest them in subcommand (group). */
function leafOf(command: RegisteredCommand, input: SlashInput) {
  let definitions = command.options ?? [];
  let label = `/${command.name}`;
  const path: { type: number; name: string }[] = [];
  for (const [type, name] of [
    [2, input.subcommandGroup],
    [1, input.subcommand],
  ] as const) {
    const kind = type === 2 ? "subcommand group" : "subcommand";
    const nested = definitions.filter((option) => option.type === type);
    const needed = nested.length > 0 && (type === 1 || !definitions.some((o) => o.type === 1));
    if (name === undefined && needed) {
      fail(`${label} needs a ${kind}: ${nested.map((option) => option.name).join(", ")}`);
    }
    if (name === undefined) continue;
    const found = nested.find((option) => option.name === name);
    if (!found) fail(`Unknown ${kind} "${name}" for ${label}`);
    label += ` ${name}`;
    definitions = found.options ?? [];
    path.push({ type, name });
  }
  const wrap = (options: Json[]) =>
    path.reduceRight<Json[]>((inner, level) => [{ ...level, options: inner }], options);
  return { definitions, wrap, label };
}

/** Splits on spaces outside double quotes; a backslash escapes the next character. */
function tokenize(line: string): { text: string; quotedWord: boolean }[] {
  const tokens: { text: string; quotedWord: boolean }[] = [];
  let current: { text: string; quotedWord: boolean } | undefined;
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] ?? "";
    if (!quoted && /\s/.test(char)) {
      if (current) tokens.push(current);
      current = undefined;
      continue;
    }
    current ??= { text: "", quotedWord: false };
    if (char === "\\" && index + 1 < line.length) {
      index += 1;
      current.text += line[index];
    } else if (char === '"') {
      // A quote before any colon makes the token a word ("a:b" is not an option).
      if (!current.text.includes(":")) current.quotedWord = true;
      quoted = !quoted;
    } else current.text += char;
  }
  if (quoted) fail("Unclosed quote");
  if (current) tokens.push(current);
  return tokens;
}
