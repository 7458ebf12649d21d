import { randomBytes } from "node:crypto";
import {
  ComponentType,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type StringSelectMenuInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type InteractionReplyOptions,
  type Message,
  type ModalSubmitInteraction,
} from "discord.js";
import { UserError } from "../domain/errors.ts";
import { hasAccess } from "../domain/permissions.ts";
import { getGuildSettings, settingsLanguage } from "../domain/guildSettings.ts";
import { resolveNumberedOptions } from "../domain/numbers.ts";
import type { SourceReads } from "../domain/countSources.ts";
import { languageFor, translator, type Language } from "../i18n/index.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../log.ts";
import type {
  Access,
  AppInfo,
  Command,
  ComponentHandler,
  HandlerResult,
  InteractionContext,
} from "./command.ts";
import { channelActions } from "./channels.ts";
import { classifyDiscordFailure, discordFailureText } from "./discordFailure.ts";
import { flattenOptions, parseOptions } from "./options.ts";
import { toMessagePayload } from "./render/payload.ts";
import { limits } from "./render/limits.ts";
import { shorten } from "./render/text.ts";
import { now as clockNow, nowMs } from "../clock.ts";
import { enterForeground } from "../foreground.ts";

interface DispatcherDependencies {
  db: Store;
  log: Logger;
  app: AppInfo;
  commands: readonly Command[];
  now?: () => Date;
  /** Answer with a defer when the work runs longer than this (Discord drops it after 3 s). */
  deferAfterMs?: number;
  sources: SourceReads;
}

type Repliable =
  | ChatInputCommandInteraction
  | ButtonInteraction
  | StringSelectMenuInteraction
  | ModalSubmitInteraction;

/** Interaction tokens live 15 minutes; past that, a follow-up would only earn a 401. */
const tokenLifetimeMs = 15 * 60 * 1000 - 30_000;
/** More interaction ids than arrive in a few minutes, which is as far back as a RESUME replays. */
const rememberedInteractions = 10_000;

interface Dispatcher {
  handle(interaction: Interaction): Promise<void>;
  /** Resolves once what is in flight now has been answered and its after-work run. */
  settled(): Promise<void>;
  /** Stops taking new work and resolves once what is in flight has been answered. */
  drain(): Promise<void>;
}

/** The one place every interaction enters, and the one error path. */
export function createDispatcher(dependencies: DispatcherDependencies): Dispatcher {
  const { db, log, app, commands } = dependencies;
  const now = dependencies.now ?? clockNow;
  const deferAfterMs = dependencies.deferAfterMs ?? 2000;
  const byName = new Map(commands.map((command) => [command.data.name, command]));
  const inFlight = new Set<Promise<void>>();
  const seen = new Set<string>();
  let draining = false;

  async function contextFor(
    interaction: Interaction & { guildId: string },
  ): Promise<InteractionContext> {
    const settings = await getGuildSettings(db, interaction.guildId);
    const serverLanguage = settingsLanguage(settings);
    const language = languageFor(interaction.locale, serverLanguage);
    const member = interaction.member;
    const roles = member
      ? Array.isArray(member.roles)
        ? member.roles
        : [...member.roles.cache.keys()]
      : [];
    return {
      db,
      log,
      app,
      now,
      guildId: interaction.guildId,
      channelId: interaction.channelId ?? "",
      userId: interaction.user.id,
      memberPermissions: interaction.memberPermissions?.bitfield ?? 0n,
      memberRoleIds: roles,
      settings,
      language,
      serverLanguage,
      t: translator(language),
      commands,
      channels: channelActions(interaction.client, interaction.guildId, db, now),
      sources: dependencies.sources,
    };
  }

  function requireAccess(access: Access, context: InteractionContext): void {
    const allowed = hasAccess(access, {
      permissions: context.memberPermissions,
      roleIds: context.memberRoleIds,
      organizerRoleId: context.settings.organizerRoleId,
    });
    if (!allowed)
      throw new UserError(access === "manager" ? "errors.managerOnly" : "errors.organizerOnly");
  }

  async function runChatInput(
    interaction: ChatInputCommandInteraction,
    context: InteractionContext,
    answered: () => void,
  ) {
    const command = byName.get(interaction.commandName);
    const flat = flattenOptions(interaction.options.data);
    const key = [flat.subcommandGroup, flat.subcommand].filter(Boolean).join(" ");
    const handler = command?.subcommands[key];
    if (!handler) throw new UserError("errors.unknownCommand");
    requireAccess(handler.access, context);
    const values = await resolveNumberedOptions(context.db, context.guildId, flat.values);
    const input = parseOptions(handler.options, values);
    if (handler.deferFirst && (await handler.deferFirst(input, context)))
      await interaction.deferReply(handler.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const result = await withDeferral(interaction, handler.ephemeral, () =>
      handler.run(input, context),
    );
    await answer(interaction, result, answered);
  }

  async function runComponent(
    interaction: ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction,
    context: InteractionContext,
    answered: () => void,
  ) {
    const [commandName = "", action = "", ...args] = interaction.customId.split(":");
    const handler = byName.get(commandName)?.components?.[action];
    if (!handler) throw new UserError("errors.staleButton");
    requireAccess(handler.access, context);
    requireShownOn(
      interaction,
      handler,
      [commandName, handler.openedBy ?? action, ...args].join(":"),
    );
    const fields: Record<string, string> = {};
    if (interaction.isModalSubmit()) {
      for (const field of interaction.fields.fields.values()) {
        if ("value" in field && typeof field.value === "string")
          fields[field.customId] = field.value;
      }
    }
    const values = interaction.isStringSelectMenu() ? interaction.values : [];
    if (handler.deferFirst && interaction.isModalSubmit() && !interaction.isFromMessage())
      await interaction.deferReply(handler.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const result = await withDeferral(interaction, handler.ephemeral, () =>
      handler.run(args, context, fields, values),
    );
    await answer(interaction, result, answered);
  }

  /**
   * Sends the answer, then runs what it did not wait for (also when sending failed: the change
   * is made either way); a failure of that work is only logged. `answered`: the member has what
   * they waited for, so background work may go on (src/foreground.ts).
   */
  async function answer(
    interaction: Repliable,
    result: HandlerResult,
    answered: () => void,
  ): Promise<void> {
    try {
      await send(interaction, result);
    } finally {
      answered();
      if (result.after) {
        await result.after().catch((error: unknown) => {
          log.error(
            { err: error, interaction: describe(interaction) },
            "work after the answer failed",
          );
        });
      }
    }
  }

  async function runAutocomplete(
    interaction: AutocompleteInteraction,
    context: InteractionContext,
  ) {
    const command = byName.get(interaction.commandName);
    const focused = interaction.options.getFocused(true);
    const choices = command?.autocomplete
      ? await command.autocomplete(
          {
            name: focused.name,
            value: String(focused.value),
            subcommand: [
              interaction.options.getSubcommandGroup(false),
              interaction.options.getSubcommand(false),
            ]
              .filter(Boolean)
              .join(" "),
          },
          context,
        )
      : [];
    await interaction.respond(
      choices.slice(0, limits.choices).map((choice) => ({
        name: shorten(choice.name, limits.choiceName),
        value: choice.value.slice(0, limits.choiceValue),
      })),
    );
  }

  /** Runs the work; if it outlives `deferAfterMs`, acknowledges first so Discord keeps waiting. */
  async function withDeferral(
    interaction: Repliable,
    ephemeral: boolean,
    work: () => Promise<HandlerResult>,
  ): Promise<HandlerResult> {
    const pending = work();
    // Whatever happens to the defer, a late failure of the work must not go unhandled.
    pending.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), deferAfterMs);
    });
    try {
      const first = await Promise.race([pending, late]);
      if (first !== "late" || interaction.deferred) return await pending;
      if (interaction.isChatInputCommand()) {
        await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
      } else {
        await interaction.deferUpdate();
      }
      return await pending;
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(interaction: Repliable, result: HandlerResult): Promise<void> {
    if (nowMs() - interaction.createdTimestamp > tokenLifetimeMs) {
      log.warn(
        { interaction: interaction.id },
        "interaction token expired before the answer was ready",
      );
      return;
    }
    if (result.type === "modal") {
      if (interaction.isModalSubmit()) throw new Error("a modal cannot answer a modal");
      await interaction.showModal(result.modal);
      return;
    }
    const payload = toMessagePayload(result.message);
    if (result.type === "update" && !interaction.isChatInputCommand()) {
      if (interaction.deferred) await interaction.editReply(payload);
      else if (
        interaction.isButton() ||
        interaction.isStringSelectMenu() ||
        (interaction.isModalSubmit() && interaction.isFromMessage())
      )
        await interaction.update(payload);
      else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
      if (result.followUp) {
        await interaction.followUp({
          ...toMessagePayload(result.followUp),
          flags: MessageFlags.Ephemeral,
        });
      }
      return;
    }
    const ephemeral = result.type === "reply" && result.ephemeral;
    const ownReply =
      interaction.isChatInputCommand() ||
      (interaction.isModalSubmit() && !interaction.isFromMessage());
    if (interaction.deferred && ownReply) {
      await interaction.editReply(payload);
    } else if (interaction.deferred || interaction.replied) {
      await interaction.followUp({
        ...payload,
        ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
      });
    } else {
      await interaction.reply({
        ...payload,
        ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
      });
    }
  }

  /** The one error path: a refusal the member can act on, or an id they can quote. */
  async function fail(
    interaction: Interaction,
    error: unknown,
    language: Language,
  ): Promise<string> {
    const t = translator(language);
    const discord = classifyDiscordFailure(error);
    let outcome = "refused";
    let text: string;
    if (error instanceof UserError) {
      text = t(error.key, error.params);
    } else if (isBusy(error)) {
      outcome = "busy";
      text = t("errors.busy");
    } else if (discord.reason === "missingAccess" || discord.reason === "missingPermissions") {
      // A permission the member can have fixed; anything else Discord did gets an id.
      text = discordFailureText(discord, t);
    } else {
      const errorId = randomBytes(4).toString("hex");
      outcome = "error";
      log.error({ err: error, errorId, interaction: describe(interaction) }, "interaction failed");
      text = t("errors.internal", { id: errorId });
    }
    if (!interaction.isRepliable()) return outcome;
    const reply: InteractionReplyOptions = { content: text, flags: MessageFlags.Ephemeral };
    try {
      const ownReply =
        interaction.isChatInputCommand() ||
        (interaction.isModalSubmit() && !interaction.isFromMessage());
      if (interaction.deferred && !interaction.replied && ownReply) {
        await interaction.editReply({ content: text });
      } else if (interaction.deferred || interaction.replied) {
        await interaction.followUp(reply);
      } else {
        await interaction.reply(reply);
      }
    } catch (sendError) {
      log.error(
        { err: sendError, interaction: describe(interaction) },
        "could not send the error reply",
      );
    }
    return outcome;
  }

  async function handleOne(interaction: Interaction): Promise<void> {
    const started = performance.now();
    // Background work waits while a member does (src/foreground.ts), until the answer is sent.
    const answered = enterForeground();
    let language: Language = languageFor(interaction.locale, "en");
    let outcome = "ok";
    try {
      if (draining) throw new UserError("errors.restarting");
      if (!interaction.inGuild()) throw new UserError("errors.guildOnly");
      const context = await contextFor(interaction);
      language = context.language;
      if (interaction.isChatInputCommand()) await runChatInput(interaction, context, answered);
      else if (interaction.isAutocomplete()) await runAutocomplete(interaction, context);
      else if (
        interaction.isButton() ||
        interaction.isStringSelectMenu() ||
        interaction.isModalSubmit()
      )
        await runComponent(interaction, context, answered);
    } catch (error) {
      if (interaction.isAutocomplete()) {
        outcome = "error";
        log.error({ err: error, interaction: describe(interaction) }, "autocomplete failed");
        await interaction.respond([]).catch(() => undefined);
      } else {
        outcome = await fail(interaction, error, language);
      }
    } finally {
      answered();
    }
    log.info(
      {
        interaction: describe(interaction),
        guildId: interaction.guildId,
        ms: Math.round((performance.now() - started) * 100) / 100,
        outcome,
      },
      "interaction",
    );
  }

  return {
    handle(interaction) {
      // A gateway RESUME can deliver an interaction again (discord.js may resume from a sequence
      // older than what it already handled); answering twice would only earn 40060.
      if (seen.has(interaction.id)) {
        log.warn({ interaction: interaction.id }, "interaction delivered again; ignored");
        return Promise.resolve();
      }
      seen.add(interaction.id);
      if (seen.size > rememberedInteractions) seen.delete(seen.values().next().value ?? "");
      const task = handleOne(interaction).finally(() => inFlight.delete(task));
      inFlight.add(task);
      return task;
    },
    async settled() {
      await Promise.allSettled([...inFlight]);
    },
    async drain() {
      draining = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * Refuses a button (or a form) on a message that does not show it (or its opener), before
 * anything is written: a modified client can send any custom_id on any message, and an
 * "update" answer would rewrite that message, say a public task card into a task list.
 */
function requireShownOn(
  interaction: ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction,
  handler: ComponentHandler,
  shownId: string,
): void {
  const message = interaction.message;
  // A form opened from no message has none to rewrite: its answer is a private reply.
  if (!message) return;
  const own =
    message.flags.has(MessageFlags.Ephemeral) &&
    message.interactionMetadata?.user.id === interaction.user.id;
  if (!customIdsOn(message).includes(shownId) || (handler.on === "own" && !own)) {
    throw new UserError("errors.wrongMessage");
  }
}

/** The custom_ids of the buttons and menus a message shows (Rally's hold action rows only). */
function customIdsOn(message: Message): string[] {
  return message.components.flatMap((row) =>
    row.type === ComponentType.ActionRow
      ? row.components.flatMap((component) => component.customId ?? [])
      : [],
  );
}

/** A short name for logs: the command path or the button's action, never what the member typed. */
function describe(interaction: Interaction): string {
  if (interaction.isChatInputCommand() || interaction.isAutocomplete()) {
    const group = interaction.options.getSubcommandGroup(false);
    const sub = interaction.options.getSubcommand(false);
    return [interaction.commandName, group, sub].filter(Boolean).join(" ");
  }
  if (interaction.isButton() || interaction.isStringSelectMenu() || interaction.isModalSubmit()) {
    return interaction.customId.split(":").slice(0, 2).join(":");
  }
  return `type ${interaction.type}`;
}

/**
 * The database was too busy, not wrong: SQLite's busy timeout ran out, a transaction waited too
 * long for a connection, or PostgreSQL chose this transaction to lose a deadlock or a
 * serialization conflict. Nothing was written; the member may simply retry.
 */
function isBusy(error: unknown): boolean {
  // P1008 timed out (SQLite's code in its metadata), P2028 no transaction in time, P2034 conflict.
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : null;
  if (code === "P1008" || code === "P2028" || code === "P2034") return true;
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : "";
  return /SQLITE_BUSY|database is locked|Socket timeout|SocketTimeout|deadlock detected|could not serialize access|40P01|40001/i.test(
    text,
  );
}
