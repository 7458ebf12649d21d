/** `/settings calendar`: the server's private calendar feed (#26). */
import { feedUrl, setUpServerFeed } from "../../src/domain/calendarFeeds.ts";
import { UserError } from "../../src/domain/errors.ts";
import { privateReply, type InteractionContext } from "../../src/discord/command.ts";

export async function serverCalendar(
  input: { rotate?: boolean | undefined; locations?: boolean | undefined },
  context: InteractionContext,
) {
  const { publicUrl } = context.app;
  if (!publicUrl) throw new UserError("calendar.noPublicUrl");
  const setup = await setUpServerFeed(
    context.db,
    context.guildId,
    context.userId,
    { rotate: input.rotate === true, locations: input.locations },
    context.now(),
  );
  // The URL is shown only when made or rotated: Rally keeps its hash, not the URL.
  const head =
    setup.token === undefined
      ? context.t("calendar.serverExists")
      : context.t("calendar.serverUrl", { url: feedUrl(publicUrl, setup.token) });
  const contents = context.t(
    setup.locations ? "calendar.serverLocations" : "calendar.serverTitles",
  );
  return privateReply(`${head}\n${contents}`);
}
