/**
 * The private calendar feeds (#26), a Fastify plugin: GET /feeds/<token>.ics. The token is the
 * only key (calendar apps send no cookie), so an unknown one is a plain 404, the same whether
 * it never existed, was rotated or was revoked.
 */
import type { FastifyInstance } from "fastify";
import { now as clockNow } from "../clock.ts";
import { calendarOfToken } from "../domain/calendarFeeds.ts";
import type { Store } from "../domain/store.ts";

export interface CalendarFeedsDeps {
  db: Store;
  now?: () => Date;
}

/** Adds the feed route to `app` (the web server, or a bare Fastify() in tests). */
export function registerCalendarFeeds(app: FastifyInstance, deps: CalendarFeedsDeps): void {
  const now = deps.now ?? clockNow;
  app.get<{ Params: { file: string } }>("/feeds/:file", async (request, reply) => {
    const { file } = request.params;
    const body = file.endsWith(".ics")
      ? await calendarOfToken(deps.db, file.slice(0, -".ics".length), now())
      : null;
    if (body === null) {
      return reply
        .code(404)
        .header("cache-control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("Not found\n");
    }
    return (
      reply
        .header("content-type", "text/calendar; charset=utf-8")
        // The feed is one organizer's or member's: shared caches must not keep it.
        .header("cache-control", "private, max-age=300")
        .header("referrer-policy", "no-referrer")
        .send(body)
    );
  });
}
