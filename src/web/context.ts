/** What every page module gets: storage, Discord, the clock, and each request's reader. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Store } from "../domain/store.ts";
import type { WebSessionView } from "../domain/webSessions.ts";
import type { Language, Translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import type { DiscordAccess } from "./discordAccess.ts";

export interface WebContext {
  db: Store;
  discord: DiscordAccess;
  log: Logger;
  now: () => Date;
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  sessionSecret: string;
}

/** The reader of one request: who is logged in (or null), their language, the form token. */
export interface Reader {
  session: WebSessionView | null;
  language: Language;
  t: Translator;
  /** The CSRF token to put in every form; "" when logged out (logged-out pages have no form). */
  csrf: string;
}

declare module "fastify" {
  interface FastifyRequest {
    reader: Reader;
  }
}

/** A page that does not exist, or is not this member's to see: the same 404 either way. */
export class NotFound extends Error {
  constructor() {
    super("not found");
    this.name = "NotFound";
  }
}

/** Sends a logged-out member to the login, back to where they were going after it. */
export class LoginNeeded extends Error {
  constructor(readonly next: string) {
    super("login needed");
    this.name = "LoginNeeded";
  }
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
