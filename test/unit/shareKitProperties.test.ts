import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as z from "zod";
import { campaignCommand } from "../../commands/campaign/index.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { characterCount, showText } from "../../src/discord/render/text.ts";
import { httpUrl, integer, text } from "../../src/discord/optionSchemas.ts";
import { parseOptions } from "../../src/discord/options.ts";
import {
  campaignLimits,
  closeCampaign,
  createCampaign,
  parseCampaignId,
} from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { languages, translate, type Language, type MessageKey } from "../../src/i18n/index.ts";
import { renderFlyer } from "../../src/render/flyer.ts";
import { renderShareCard, shareCardSize } from "../../src/render/shareCard.ts";
import { campaignOnAnotherServer, startTestBot } from "../support/bot.ts";
import { unescapedMentions } from "../support/mentions.ts";
import { findQr, readPdf } from "../support/pdf.ts";

// Deterministic in CI (a failure names its seed); FC_SEED explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env["FC_SEED"] ?? 20261125) });

/**
 * The share kit (`/campaign flyer`, `/campaign card`) over hostile input: whatever a member can
 * store in a campaign and type into the options, Rally answers with a friendly refusal or with a
 * file Discord takes, a reply within Discord's limits that pings no one, and a QR code that
 * opens exactly the campaign's link. Rendering costs tens of milliseconds, so runs are few.
 */

/** Who a message may ping, as the bot sends it; absent lists ping no one when parse is []. */
interface AllowedMentions {
  parse?: string[];
  roles?: string[];
  users?: string[];
}

/** Discord's limits for what a reply carries. */
const discord = { content: 2000, attachments: 10, attachmentBytes: 10 * 1024 * 1024 } as const;

// ---------------------------------------------------------------------------------------------
// What members type, at its most awkward.

const hostilePieces = [
  "a",
  "Ж",
  " ",
  "\n",
  "\t",
  "\u00a0",
  // zero-width and invisible format characters
  "\u200b",
  "\u200c",
  "\u200d",
  "\u2060",
  "\ufeff",
  "\u00ad",
  // bidi overrides and isolates
  "\u202e",
  "\u202d",
  "\u202c",
  "\u2066",
  "\u2067",
  "\u2069",
  "\u200f",
  // combining marks, alone, stacked, and on a letter
  "\u0301",
  "e\u0301",
  "Z\u0336\u0337\u0338\u0335\u0334\u0321\u0322\u0327\u0328",
  "\u0301".repeat(40),
  // emoji: ZWJ families, flags, skin tones, keycaps, variation selectors
  "👨‍👩‍👧‍👦",
  "🧑🏽‍🤝‍🧑🏿",
  "🏳️‍🌈",
  "🇧🇾",
  "🇺🇦",
  "✊🏿",
  "1️⃣",
  "❤️",
  "©",
  // lone surrogates
  "\ud800",
  "\udfff",
  "\udc00\ud800",
  // scripts with shaping: Arabic, Devanagari, Thai, Hangul jamo, CJK
  "حرية",
  "\u0915\u094d\u0937",
  "สวัสดี",
  "\u1100\u1161\u11a8",
  "自由",
  // control characters
  "\u0000",
  "\u0007",
  "\u001b[31m",
  // mentions, markdown and template syntax
  "<@123456789012345678>",
  "<@&123456789012345678>",
  "<@!123456789012345678>",
  "<#123456789012345678>",
  "@everyone",
  "@here",
  "**",
  "`",
  "||",
  "\\",
  "{{title}}",
  "$t(share.scan)",
  // one long word: a link-like run with nothing to wrap at
  "W".repeat(120),
] as const;

const hostileText = (maxPieces: number) =>
  fc.array(fc.constantFrom(...hostilePieces), { maxLength: maxPieces }).map((p) => p.join(""));

/** A piece repeated to exactly `length` code points: at a limit, or one past it. */
const exactly = (length: number) =>
  fc
    .constantFrom(...hostilePieces)
    .map((piece) => [...piece.repeat(length)].slice(0, length).join(""));

/** Text around a limit: short and hostile, random unicode, at the limit, and past it. */
const textNear = (limit: number) =>
  fc.oneof(
    hostileText(12),
    fc.string({ unit: "grapheme", maxLength: Math.min(limit, 120) }),
    fc.string({ unit: "binary", maxLength: Math.min(limit, 120) }),
    exactly(limit),
    exactly(limit + 1),
  );

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const host = fc.oneof(
  fc.array(label, { minLength: 2, maxLength: 3 }).map((labels) => labels.join(".")),
  fc.constantFrom("пример.рф", "xn--e1afmkfd.xn--p1ai", "1.2.3.4", "example.org.", "a.b:8080"),
);

/** Links as typed: valid ones of every length up to the limit and past it, and invalid ones. */
const linkTyped = fc.oneof(
  fc
    .tuple(fc.constantFrom("https://", "http://", "HTTPS://"), host, hostileText(6))
    .map(([scheme, name, path]) => `${scheme}${name}/${path}`),
  fc
    .tuple(host, fc.integer({ min: 0, max: campaignLimits.link + 4 }))
    .map(([name, length]) => `https://${name}/?ref=${"a".repeat(length)}`),
  fc
    .tuple(host, fc.integer({ min: 1, max: 120 }))
    .map(([name, times]) => `https://${name}/${"ж✊".repeat(times)}`),
  fc.constantFrom(
    "javascript:alert(1)",
    "https://",
    "https://localhost/",
    "ftp://example.org/",
    "https://example.org/a b",
    "https://example.org/<@123456789012345678>",
    "data:text/html,x",
    "example.org",
  ),
);

/** Goals and counts at the integer edges a campaign can reach. */
const goal = fc.oneof(
  fc.constantFrom(1, 2, 3, 999_999_999, campaignLimits.count),
  fc.integer({ min: 1, max: campaignLimits.count }),
);
const countFor = (goalValue: number) =>
  fc
    .oneof(
      fc.constantFrom(0, 1, goalValue - 1, goalValue, goalValue + 1, campaignLimits.count),
      fc.integer({ min: 0, max: campaignLimits.count }),
    )
    .map((count) => Math.min(campaignLimits.count, Math.max(0, count)));

const language = fc.constantFrom(...languages);

/** What `/campaign create` would store for these typed values, or null where it refuses one. */
function accepted<T>(schema: z.ZodType<T>, value: unknown): T | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A campaign as Rally stores it, from typed values its schemas accepted. */
const storedCampaign = fc
  .record({
    title: textNear(campaignLimits.title),
    description: textNear(campaignLimits.description),
    callToAction: textNear(campaignLimits.callToAction),
    unit: textNear(campaignLimits.unit),
    link: fc.option(linkTyped, { nil: undefined }),
    goal,
  })
  .chain((typed) =>
    countFor(typed.goal).map((count) => ({
      title: accepted(text(campaignLimits.title), typed.title) ?? "Свобода",
      description: accepted(text(campaignLimits.description), typed.description),
      callToAction: accepted(text(campaignLimits.callToAction), typed.callToAction),
      unit: accepted(text(campaignLimits.unit), typed.unit) ?? "signatures",
      link: typed.link === undefined ? null : accepted(httpUrl, typed.link),
      goal: typed.goal,
      count,
    })),
  );

// ---------------------------------------------------------------------------------------------
// Reading what Rally rendered.

/** A friendly refusal: a translated sentence with every placeholder filled, never a raw key. */
function expectFriendly(error: unknown, languageUsed: Language): void {
  expect(error).toBeInstanceOf(UserError);
  const { key, params } = error as UserError;
  const shown = translate(languageUsed, key, params);
  expect(shown).not.toBe(key);
  expect(shown).not.toMatch(/\{\{|\$t\(/);
}

/** pdfkit writes each page's dictionary as plain text: `/Type /Page` once per page. */
const pageCount = (pdf: Buffer) => pdf.toString("latin1").match(/\/Type \/Page\b/g)?.length ?? 0;

/** Width and height from the PNG's IHDR chunk. */
const pngSize = (png: Buffer) => [png.readUInt32BE(16), png.readUInt32BE(20)];

function expectFlyerFile(pdf: Buffer): void {
  expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(pdf.length).toBeLessThanOrEqual(discord.attachmentBytes);
  expect(pageCount(pdf)).toBe(1);
}

function expectCardFile(png: Buffer): void {
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  expect(png.length).toBeLessThanOrEqual(discord.attachmentBytes);
  expect(pngSize(png)).toEqual([shareCardSize.width, shareCardSize.height]);
}

// ---------------------------------------------------------------------------------------------

const subcommands = campaignCommand.subcommands;
const schemaOf = (name: string) => {
  const schema = subcommands[name]?.options;
  if (!schema) throw new Error(`/campaign ${name} is gone`);
  return schema;
};

const anyOptionValue = fc.oneof(
  hostileText(8),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("a4", "letter", "A4", "en", "ru", "uk", "de", "", "1", "-1", "0", "1e3"),
  fc.constantFrom("999999999", "1000000000", "12345678901234567890", " 42 ", "4.2", "٣"),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
);

describe("the share kit's options", () => {
  it.each(["flyer", "card"])(
    "/campaign %s parses any option values to a campaign id, or refuses them in words",
    (name) => {
      const schema = schemaOf(name);
      fc.assert(
        fc.property(
          fc.record(
            { campaign: anyOptionValue, size: anyOptionValue, language: anyOptionValue },
            { requiredKeys: [] },
          ),
          language,
          (values, languageUsed) => {
            let input: { campaign: string; size?: string; language?: string };
            try {
              input = parseOptions(schema, values) as typeof input;
            } catch (error) {
              expectFriendly(error, languageUsed);
              expect((error as UserError).key).toMatch(/^validation\./);
              return;
            }
            if (input.language !== undefined) expect(languages).toContain(input.language);
            if (input.size !== undefined) expect(["a4", "letter"]).toContain(input.size);
            try {
              const id = parseCampaignId(input.campaign);
              expect(Number.isSafeInteger(id) && id >= 0 && id <= 999_999_999).toBe(true);
              expect(String(id)).toBe(input.campaign.trim().replace(/^0+(?=\d)/, ""));
            } catch (error) {
              expectFriendly(error, languageUsed);
              expect((error as UserError).key).toBe("campaign.pickFromList");
            }
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it("/campaign create stores only text within its limits and a link that is one http(s) piece", () => {
    const schema = schemaOf("create");
    fc.assert(
      fc.property(
        fc.record(
          {
            title: textNear(campaignLimits.title),
            goal: fc.oneof(goal, fc.constantFrom(0, -1, campaignLimits.count + 1, 2 ** 31, 1.5)),
            unit: textNear(campaignLimits.unit),
            description: textNear(campaignLimits.description),
            link: linkTyped,
            call_to_action: textNear(campaignLimits.callToAction),
          },
          { requiredKeys: ["title", "goal"] },
        ),
        language,
        (values, languageUsed) => {
          let input: Record<string, unknown>;
          try {
            input = parseOptions(schema, values) as Record<string, unknown>;
          } catch (error) {
            expectFriendly(error, languageUsed);
            expect((error as UserError).key).toMatch(/^validation\./);
            return;
          }
          const limitOf = {
            title: campaignLimits.title,
            unit: campaignLimits.unit,
            description: campaignLimits.description,
            call_to_action: campaignLimits.callToAction,
            link: campaignLimits.link,
          };
          for (const [field, max] of Object.entries(limitOf)) {
            const value = input[field];
            if (value === undefined) continue;
            expect(typeof value).toBe("string");
            expect(characterCount(value as string)).toBeLessThanOrEqual(max);
            expect(value).toBe((value as string).trim());
          }
          expect(integer(1, campaignLimits.count).safeParse(input["goal"]).success).toBe(true);
          if (input["link"] !== undefined)
            expect(input["link"]).toMatch(/^https?:\/\/[^\s<>\p{Cs}]+$/iu);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("rendering hostile campaigns", () => {
  it("prints a one-page PDF flyer under Discord's file limit for any campaign, size and language", async () => {
    await fc.assert(
      fc.asyncProperty(
        storedCampaign,
        fc.constantFrom("a4" as const, "letter" as const),
        language,
        async (campaign, size, flyerLanguage) => {
          const pdf = await renderFlyer({
            title: campaign.title,
            description: campaign.description,
            callToAction: campaign.callToAction,
            link: campaign.link,
            size,
            labels: {
              scan: translate(flyerLanguage, "share.scan"),
              tearOff: translate(flyerLanguage, "share.tearOff"),
            },
          });
          expectFlyerFile(pdf);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("draws a 1200×630 PNG card for any campaign, count and goal at the integer edges", async () => {
    await fc.assert(
      fc.asyncProperty(storedCampaign, language, async (campaign, cardLanguage) => {
        const png = await renderShareCard({
          title: campaign.title,
          callToAction: campaign.callToAction,
          count: campaign.count,
          goal: campaign.goal,
          unit: campaign.unit,
          locale: cardLanguage,
          labels: {
            progress: translate(cardLanguage, "share.progress", {
              count: formatNumber(campaign.count, cardLanguage),
              goal: formatNumber(campaign.goal, cardLanguage),
              unit: campaign.unit,
            }),
          },
        });
        expectCardFile(png);
      }),
      { numRuns: 20 },
    );
  });

  it("prints a QR code that opens exactly the campaign's link, whatever surrounds it", async () => {
    const linked = storedCampaign.filter((campaign) => campaign.link !== null);
    const densest = {
      title: "Свобода",
      description: null,
      callToAction: "Text SIGN PMSUBG to 50409",
      unit: "signatures",
      link: `https://example.org/${"ж✊".repeat(campaignLimits.link)}`.slice(
        0,
        campaignLimits.link,
      ),
      goal: 500,
      count: 332,
    };
    expect(httpUrl.safeParse(densest.link).success).toBe(true);
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(
        linked,
        fc.constantFrom("a4" as const, "letter" as const),
        async (c, size) => {
          const link = c.link ?? "";
          const pdf = await renderFlyer({
            title: c.title,
            description: c.description,
            callToAction: c.callToAction,
            link,
            size,
            labels: {
              scan: translate("ru", "share.scan"),
              tearOff: translate("ru", "share.tearOff"),
            },
          });
          // Long links make dense codes: more pixels per module to read them back.
          const qr = findQr((await readPdf(pdf, Buffer.byteLength(link) > 150 ? 150 : 100)).image);
          expect({ link, qr }).toEqual({ link, qr: link });
          decoded += 1;
        },
      ),
      {
        numRuns: 6,
        // The densest link a member can store: 512 characters of three UTF-8 bytes each.
        examples: [[densest, "a4"]],
      },
    );
    expect(decoded).toBe(6);
  });
});

describe("the share kit's replies over the wire", () => {
  it("answers any typed campaign with the file and a safe reply, or a friendly refusal", async () => {
    const bot = await startTestBot();
    const { discord: local, rally } = bot;
    const [volunteer] = bot.volunteerIds;
    const { campaign: foreign } = await campaignOnAnotherServer(bot, "Their campaign");
    const internalErrorStart = (lang: Language) =>
      translate(lang, "errors.internal", { id: "@" }).split("@")[0] ?? "";
    const localeOf: Record<Language, string> = { en: "en-US", ru: "ru", uk: "uk" };
    const seen = { files: 0, refusals: 0 };

    await fc.assert(
      fc.asyncProperty(
        storedCampaign,
        fc.constantFrom("flyer", "card"),
        fc.oneof(
          { weight: 3, arbitrary: fc.constant("own") },
          fc.constantFrom("foreign", "999999", "0", "abc", "-1", "1e3", "12345678901", "٣"),
          hostileText(4),
        ),
        fc.option(fc.constantFrom("a4", "letter"), { nil: undefined }),
        fc.option(language, { nil: undefined }),
        language,
        async (campaign, subcommand, which, size, fileLanguage, memberLanguage) => {
          const created = await createCampaign(rally.db, bot.guildId, bot.organizerId, {
            ...campaign,
            channelId: bot.channelId,
            endsAt: null,
            autoRaise: false,
          });
          await rally.db.campaign.update({
            where: { id: created.id },
            data: { count: campaign.count },
          });
          // Closed, so the next run's title never collides with an active one; the share kit
          // hands out closed campaigns' files too.
          await closeCampaign(
            rally.db,
            bot.guildId,
            bot.organizerId,
            created.id,
            "won",
            new Date(),
          );
          // The title as the database gives it back: a lone surrogate does not survive storage.
          const stored = await rally.db.campaign.findUniqueOrThrow({ where: { id: created.id } });
          // Typed digits are this server's numbers: another server's campaign cannot be named
          // here, so "foreign" types a number no server has, which must be refused too.
          const typed =
            which === "own"
              ? String(created.number)
              : which === "foreign"
                ? String(foreign.id + 500_000_000)
                : which;
          const handle = local.slash({
            guildId: bot.guildId,
            channelId: bot.channelId,
            userId: volunteer,
            locale: localeOf[memberLanguage],
            command: "campaign",
            subcommand,
            options: {
              campaign: typed,
              ...(size !== undefined && subcommand === "flyer" ? { size } : {}),
              ...(fileLanguage !== undefined ? { language: fileLanguage } : {}),
            },
          });
          const reply = await handle.final();

          expect(reply.flags & 64).toBe(64);
          expect(characterCount(reply.content)).toBeGreaterThan(0);
          expect(characterCount(reply.content)).toBeLessThanOrEqual(discord.content);
          expect(reply.content.startsWith(internalErrorStart(memberLanguage))).toBe(false);
          expect(unescapedMentions(reply.content)).toEqual([]);
          // @everyone and @here in a title are shown as typed; they cannot ping: nothing may.
          const callback = local.requests.find((request) =>
            request.path.startsWith(`/interactions/${handle.id}/`),
          );
          const allowed = (callback?.body as { data?: { allowed_mentions?: AllowedMentions } })
            ?.data?.allowed_mentions;
          expect(allowed?.parse).toEqual([]);
          expect(allowed?.roles ?? []).toEqual([]);
          expect(allowed?.users ?? []).toEqual([]);
          expect(reply.attachments.length).toBeLessThanOrEqual(discord.attachments);
          const total = reply.attachments.reduce((sum, file) => sum + file.size, 0);
          expect(total).toBeLessThanOrEqual(discord.attachmentBytes);

          const trimmed = typed.trim();
          const refusal: MessageKey | null =
            which === "own"
              ? null
              : /^\d{1,9}$/.test(trimmed)
                ? "campaign.notFound"
                : "campaign.pickFromList";
          if (refusal) {
            seen.refusals += 1;
            expect(reply.content).toBe(translate(memberLanguage, refusal));
            expect(reply.attachments).toEqual([]);
            return;
          }
          seen.files += 1;
          const title = showText(stored.title, 100);
          const [file] = reply.attachments;
          if (subcommand === "flyer") {
            expect(reply.content).toBe(translate(memberLanguage, "share.flyerReady", { title }));
            expect(file?.filename).toBe(`flyer-${created.number}.pdf`);
            expectFlyerFile(file?.data ?? Buffer.alloc(0));
          } else {
            expect(reply.content).toBe(translate(memberLanguage, "share.cardReady", { title }));
            expect(file?.filename).toBe(`campaign-${created.number}.png`);
            expectCardFile(file?.data ?? Buffer.alloc(0));
          }
          expect(reply.attachments).toHaveLength(1);
        },
      ),
      { numRuns: 14 },
    );
    // Not vacuous: the runs handed out files and refused typed ids.
    expect(seen.files).toBeGreaterThan(0);
    expect(seen.refusals).toBeGreaterThan(0);
    expect(local.rejected()).toEqual([]);
  }, 60_000);
});
