import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from "discord.js";
import type { Translator } from "../i18n/index.ts";
import { ChannelUnavailableError } from "./channels.ts";

/**
 * Why a request to Discord (a post to a channel, most often) failed, as far as Rally can tell.
 * discord.js has already retried what is worth retrying (a 5xx or a timeout three times, a 429
 * until it passes), so this is final for this attempt; what the organizer can do next depends
 * on which it was.
 */
type DiscordFailure =
  | { reason: "missingAccess" }
  | { reason: "missingPermissions" }
  /** Deleted, or not a text channel of this server (any more). */
  | { reason: "channelGone" }
  /** Discord's own failure, after its retries: a 5xx. */
  | { reason: "discordError"; status: number }
  /** No answer in time, or no connection: the post may still have landed. */
  | { reason: "noAnswer" }
  /** Anything else (Discord refusing the message itself, a bug): logged for the operators. */
  | { reason: "unexpected" };

/** The one classifier of Discord's failures: task cards, milestones, summaries, the dispatcher. */
export function classifyDiscordFailure(error: unknown): DiscordFailure {
  if (error instanceof ChannelUnavailableError) return { reason: "channelGone" };
  if (error instanceof DiscordAPIError) {
    if (error.code === RESTJSONErrorCodes.MissingAccess) return { reason: "missingAccess" };
    if (error.code === RESTJSONErrorCodes.MissingPermissions) {
      return { reason: "missingPermissions" };
    }
    if (error.code === RESTJSONErrorCodes.UnknownChannel) return { reason: "channelGone" };
    return { reason: "unexpected" };
  }
  if (error instanceof HTTPError && error.status >= 500) {
    return { reason: "discordError", status: error.status };
  }
  if (isNoAnswer(error)) return { reason: "noAnswer" };
  return { reason: "unexpected" };
}

/** The failure in the organizer's words, to follow "…could not post … in #channel:". */
export function discordFailureText(failure: DiscordFailure, t: Translator): string {
  switch (failure.reason) {
    case "missingAccess":
      return t("errors.botMissingAccess");
    case "missingPermissions":
      return t("errors.botMissingPermissions");
    case "channelGone":
      return t("errors.channelGone");
    case "discordError":
      return t("errors.discordServerError", { status: failure.status });
    case "noAnswer":
      return t("errors.discordNoAnswer");
    case "unexpected":
      return t("errors.postUnexpected");
  }
}

/**
 * A request that got no answer: discord.js's timeout aborts it (AbortError), and a dropped or
 * refused connection surfaces as an error (or its cause) with a system or undici code.
 */
function isNoAnswer(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError" || error.name === "TimeoutError") return true;
  const codeOf = (value: unknown) =>
    typeof value === "object" && value !== null && "code" in value ? String(value.code) : "";
  return /^(E[A-Z]+|UND_ERR_\w+)$/.test(codeOf(error) || codeOf(error.cause));
}
