import type {
  APIActionRowComponent,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIModalInteractionResponseCallbackData,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type * as z from "zod";
import type { Store } from "../domain/store.ts";
import { UserError } from "../domain/errors.ts";
import type { GuildSettingsView } from "../domain/guildSettings.ts";
import type { SourceReads } from "../domain/countSources.ts";
import type { Language, Translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import type { ChannelActions } from "./channels.ts";

/** Who may use a subcommand or press a button. Checked by the dispatcher on every use. */
export type Access = "everyone" | "organizer" | "manager";

export interface OutgoingFile {
  name: string;
  data: Buffer;
  description?: string;
}

/** A message as handlers describe it: plain data, rendered within Discord's limits. */
export interface OutgoingMessage {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  files?: OutgoingFile[];
  /** Role ids that may be pinged: only ever the server's own announce role. */
  allowedRoleIds?: string[];
}

export type HandlerResult = (
  | { type: "reply"; message: OutgoingMessage; ephemeral: boolean }
  /** Edits the message that carries the pressed button; `followUp` tells the presser alone. */
  | { type: "update"; message: OutgoingMessage; followUp?: OutgoingMessage }
  | { type: "modal"; modal: APIModalInteractionResponseCallbackData }
) & {
  /**
   * Work the answer does not depend on (a card's refresh, bookkeeping), run once the member has
   * the answer: Discord's REST calls and writes cost milliseconds the member need not wait for.
   * It must not throw for things the member cannot act on; what does throw is logged.
   */
  after?: () => Promise<void>;
};

export interface AppInfo {
  version: string;
  database: string;
  /** PUBLIC_URL, where the public pages are served ("https://rally.example.org"); unset: none. */
  publicUrl?: string;
  /** Whether values are stored encrypted (DATA_KEY), for `/rally safety`. */
  encryptionAtRest: boolean;
}

/** Everything a handler may use; nothing from discord.js leaks past this line. */
export interface InteractionContext {
  readonly db: Store;
  readonly log: Logger;
  readonly app: AppInfo;
  readonly now: () => Date;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly memberPermissions: bigint;
  readonly memberRoleIds: readonly string[];
  readonly settings: GuildSettingsView;
  /** The member's language, for replies only they see. */
  readonly language: Language;
  /** The server's language, for what the whole server sees (cards, posts in its channels). */
  readonly serverLanguage: Language;
  readonly t: Translator;
  readonly commands: readonly Command[];
  /** Checks and posts in this server's channels (campaign channels, milestones). */
  readonly channels: ChannelActions;
  /** Reads count sources (the petition pages) under the source pool's caps. */
  readonly sources: SourceReads;
}

export interface Subcommand<Schema extends z.ZodType = z.ZodType> {
  access: Access;
  /** Whether the answer is for the member alone; also decides how a slow answer is deferred. */
  ephemeral: boolean;
  /**
   * Acknowledge before running when this says so (work that waits on another site); false
   * when the answer may be a modal, which must be the first response.
   */
  deferFirst?: (input: z.output<Schema>, context: InteractionContext) => Promise<boolean>;
  options: Schema;
  run(input: z.output<Schema>, context: InteractionContext): Promise<HandlerResult>;
}

export interface AutocompleteChoice {
  name: string;
  value: string;
}

export interface ComponentHandler {
  access: Access;
  /** A button's answer is usually for the presser alone. */
  ephemeral: boolean;
  /**
   * The message it may be used on, checked by the dispatcher before `run`, since a modified
   * client can send any custom_id on any message and an "update" answer rewrites that message:
   * "shown" any message showing this very custom_id (a task card shows its own task's buttons);
   * "own" such a message only if it is the presser's private one (their list, review, prompt).
   */
  on: "shown" | "own";
  /**
   * A form: the action of the button that opens it. The message it was opened from must show
   * that button with the same arguments (`task:submit:7` comes from `task:done:7`).
   */
  openedBy?: string;
  /** A form whose work waits on another site: its submit is acknowledged before it runs. */
  deferFirst?: boolean;
  /**
   * `args` are the custom_id's parts after `command:action:`; `fields` the modal's inputs;
   * `values` what was picked in a select menu (none for a button or form).
   */
  run(
    args: readonly string[],
    context: InteractionContext,
    fields: Readonly<Record<string, string>>,
    values: readonly string[],
  ): Promise<HandlerResult>;
}

export interface Command {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Keyed by subcommand name, or "group subcommand" for grouped ones. */
  subcommands: Record<string, Subcommand>;
  autocomplete?: (
    focused: { name: string; value: string; subcommand: string },
    context: InteractionContext,
  ) => Promise<AutocompleteChoice[]>;
  /** Buttons and modals whose custom_id starts with `<data.name>:<action>`. */
  components?: Record<string, ComponentHandler>;
}

/** An answer only the member who asked can see. */
export function privateReply(content: string, embeds: APIEmbed[] = []): HandlerResult {
  return { type: "reply", ephemeral: true, message: { content, embeds } };
}

/** Keeps each subcommand's handler typed by its own zod schema. */
export function subcommand<Schema extends z.ZodType>(definition: Subcommand<Schema>): Subcommand {
  return definition as unknown as Subcommand;
}

/** custom_id layout shared by every button and modal: `command:action:arg…`, at most 100 chars. */
export function customId(command: string, action: string, ...args: string[]): string {
  const id = [command, action, ...args].join(":");
  if (id.length > 100) throw new Error(`custom_id over 100 characters: ${command}:${action}`);
  return id;
}

/**
 * The one database id a button or form carries after `command:action:`. A custom_id Rally did
 * not make (cut short, edited, with a field added) is a stale button, never acted on.
 */
export function idArgument(args: readonly string[]): string {
  const [id, ...extra] = args;
  if (id === undefined || extra.length > 0 || !/^\d{1,9}$/.test(id)) {
    throw new UserError("errors.staleButton");
  }
  return id;
}
