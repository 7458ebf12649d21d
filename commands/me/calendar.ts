/** `/me calendar`: a member's private feed of the tasks they claimed (#26). */
import { feedUrl, setUpMemberFeed } from "../../src/domain/calendarFeeds.ts";
import { UserError } from "../../src/domain/errors.ts";
import { privateReply, type InteractionContext } from "../../src/discord/command.ts";

export async function memberCalendar(
  input: { rotate?: boolean | undefined },
  context: InteractionContext,
) {
  const { publicUrl } = context.app;
  if (!publicUrl) throw new UserError("calendar.noPublicUrl");
  const setup = await setUpMemberFeed(
    context.db,
    context.guildId,
    context.userId,
    { rotate: input.rotate === true },
    context.now(),
  );
  // The URL is shown only when made or rotated: Rally keeps its hash, not the URL.
  const head =
    setup.token === undefined
      ? context.t("calendar.memberExists")
      : context.t("calendar.memberUrl", { url: feedUrl(publicUrl, setup.token) });
  return privateReply(`${head}\n${context.t("calendar.memberTitles")}`);
}
