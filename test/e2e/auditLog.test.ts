/** `/settings audit`: when, in the server's zone, and for changes the old and new values. */
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { translator, type Language } from "../../src/i18n/index.ts";
import { startTestBot } from "../support/bot.ts";

const discordLocale: Record<Language, string> = { en: "en-GB", ru: "ru", uk: "uk" };
const t0 = new Date(Date.UTC(2026, 11, 1, 12, 0));

describe.each(["en", "ru"] as const)("/settings audit (%s)", (language) => {
  it("dates each action in the server's zone and shows old → new, never a member's words", async () => {
    const clock = { now: t0 };
    const bot = await startTestBot({ now: () => clock.now });
    const t = translator(language);
    const as = (userId: string, line: string) =>
      bot.run(userId, line, undefined, { locale: discordLocale[language] });
    const organizer = bot.organizerId;
    const [volunteer] = bot.volunteerIds;
    await as(organizer, "/settings timezone zone:Europe/Kyiv");
    await as(organizer, "/settings claim_expiry days:3");
    await as(organizer, "/settings claim_expiry days:5");
    await as(organizer, '/campaign create title:"Free prisoners" goal:500');
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await as(organizer, `/campaign count campaign:${campaign.number} set:372`);
    await as(
      organizer,
      `/campaign count campaign:${campaign.number} set:320 note:"recount at the gate"`,
    );
    await as(organizer, `/campaign edit campaign:${campaign.number} title:"Free them all"`);
    await as(organizer, `/task add campaign:${campaign.number} title:"Leaflets" slots:2`);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    await as(organizer, `/task edit task:${task.number} slots:3`);
    await as(volunteer, `/task claim task:${task.number}`);
    await as(volunteer, `/task done task:${task.number} note:"my secret route"`);

    const answer = await as(organizer, "/settings audit");
    const embed = answer.embeds[0];
    const lines = (embed?.description ?? "").split("\n");
    const change = (field: string, from: string, to: string) =>
      t("settings.auditChange", {
        field: t(`settings.auditFields.${field}` as Parameters<typeof t>[0]),
        from,
        to,
      });
    // The database stamps each entry: its newest of the action, as the server's clock reads it.
    const entries = await bot.rally.db.auditEntry.findMany({ orderBy: { id: "desc" } });
    const when = (action: string) => {
      const entry = entries.find((candidate) => candidate.action === action);
      return DateTime.fromJSDate(entry?.createdAt ?? new Date(0), { zone: "Europe/Kyiv" }).toFormat(
        "yyyy-MM-dd HH:mm",
      );
    };
    const lineOf = (action: string, changes: string[], subject = "") =>
      t("settings.auditLine", {
        when: when(action),
        actor: `<@${organizer}>`,
        action: t(`settings.auditActions.${action}` as Parameters<typeof t>[0]),
        subject,
        changes: t("settings.auditChanges", { changes: changes.join(", ") }),
      });
    const n = (value: number) => new Intl.NumberFormat(language).format(value);

    expect(lines).toContain(
      lineOf("settings.timezone", [change("timezone", "UTC", "Europe/Kyiv")]),
    );
    expect(lines).toContain(
      lineOf("settings.claimExpiry", [change("claimExpiryDays", n(3), n(5))]),
    );
    expect(lines).toContain(
      lineOf("campaign.count", [change("count", n(372), n(320))], ` #${campaign.number}`),
    );
    expect(lines).toContain(
      lineOf(
        "campaign.edit",
        [change("title", "Free prisoners", "Free them all")],
        ` #${campaign.number}`,
      ),
    );
    expect(lines).toContain(lineOf("task.edit", [change("slots", n(2), n(3))], ` #${task.number}`));
    expect(embed?.footer?.text).toBe(t("settings.auditZone", { zone: "Europe/Kyiv" }));

    // A member's note and an organizer's count note stay out of the audit, shown and stored.
    const stored = JSON.stringify(await bot.rally.db.auditEntry.findMany());
    for (const words of ["my secret route", "recount at the gate"]) {
      expect(embed?.description).not.toContain(words);
      expect(stored).not.toContain(words);
    }
    expect(bot.discord.rejected()).toEqual([]);
  });
});
