/**
 * Issue #20's bench item: 1,000 count sources due in the same minute, read from a local petition
 * site that answers after 300 ms and never answers for 5 % of its addresses, while members use
 * Rally. Reports the time until every source is read and written (or timed out), the card edits
 * that follow (under Discord's rate limits, so apart), and interaction round trips during that
 * minute against their idle figure.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Database as Db } from "../src/db/store.ts";
import { sourcePollKind } from "../src/domain/countSources.ts";
import type { LocalDiscord } from "../src/local-discord/localDiscord.ts";
import {
  percentile,
  round,
  sleep,
  slashInput,
  startBot,
  timeInteraction,
  type BenchServer,
} from "./harness.ts";

export interface SourcesResult {
  /** Presses after every card was full (refusals, not claims): 0 when there were cards enough. */
  claimsRefused: number;
  sources: number;
  servers: number;
  seconds: number;
  read: number;
  timedOut: number;
  cardRequests: number;
  cardRequestsAfterReads: number;
  throttled: number;
  idle: { show: number[]; claim: number[]; unanswered: number };
  busy: { show: number[]; claim: number[]; unanswered: number };
}

/** The petition site: `{ "count": n }` after 300 ms; every 20th address never answers. */
async function startSite(latencyMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const index = Number(/^\/p\/(\d+)\.json$/.exec(request.url ?? "")?.[1] ?? NaN);
    if (Number.isNaN(index) || index % 20 === 0) return; // hangs: Rally's 5 s deadline ends it
    setTimeout(() => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ count: 2000 + index }));
    }, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** 1,000 campaigns spread over `serverCount` servers, each with a source read 15 minutes ago. */
async function seedSources(
  db: Db,
  servers: BenchServer[],
  count: number,
  port: number,
): Promise<number[]> {
  const now = new Date();
  const earlier = new Date(now.getTime() - 15 * 60_000);
  const campaigns = Array.from({ length: count }, (_, index) => {
    const server = servers[index % servers.length] as BenchServer;
    return {
      guildId: server.guildId,
      number: 100_000 + index,
      title: `Live ${index}`,
      activeTitle: `live ${index}`,
      goal: 1_000_000,
      count: 1000,
      channelId: server.channelId,
      createdAt: earlier,
    };
  });
  await db.campaign.createMany({ data: campaigns });
  const created = await db.campaign.findMany({
    where: { title: { startsWith: "Live " } },
    select: { id: true, guildId: true, title: true },
  });
  await db.countSource.createMany({
    data: created.map((campaign) => ({
      guildId: campaign.guildId,
      campaignId: campaign.id,
      url: `http://127.0.0.1:${port}/p/${campaign.title.slice(5)}.json`,
      kind: "json",
      field: "count",
      everyMinutes: 15,
      status: "active",
      lastReadAt: earlier,
      lastCount: 1000,
      setAt: earlier,
    })),
  });
  return created.map((campaign) => campaign.id);
}

/**
 * Presses go through the cards in order, each card's members one by one, so every press is a
 * real claim (a slot taken and written) while the cards last, idle and busy alike: comparing the
 * reads' claims with idle ones, not with "you already hold this task" refusals.
 */
interface ClaimCards {
  cardIds: string[];
  pressed: number;
}

async function sampleRoundTrips(
  discord: LocalDiscord,
  server: BenchServer,
  cards: ClaimCards,
  until: () => boolean,
  atMost: number,
): Promise<{ show: number[]; claim: number[]; unanswered: number }> {
  const result = { show: [] as number[], claim: [] as number[], unanswered: 0 };
  // An interaction Discord gave up on (no answer in its deadline) is counted, not a crash.
  const timed = async (into: number[], run: () => Promise<{ first: number }>) => {
    try {
      into.push((await run()).first);
    } catch {
      result.unanswered += 1;
    }
  };
  const members = server.memberIds.length;
  for (let index = 0; index < atMost && !until(); index += 1) {
    const press = cards.pressed++;
    const userId = server.memberIds[press % members] ?? "";
    const cardId = cards.cardIds[Math.floor(press / members) % cards.cardIds.length] ?? "";
    await timed(result.show, () =>
      timeInteraction(discord, () =>
        discord.slash(slashInput(discord, server, userId, "/campaign show campaign:1")),
      ),
    );
    await sleep(30);
    await timed(result.claim, () =>
      timeInteraction(
        discord,
        () => discord.clickButton({ messageId: cardId, userId, label: "Claim" }),
        true,
      ),
    );
    await sleep(30);
  }
  return result;
}

export async function sourcesDue(options: {
  discord: LocalDiscord;
  db: Db;
  url: string;
  servers: BenchServer[];
  /** Task cards of 50 slots in the first server, enough for every press to be a claim. */
  cardIds: string[];
  count: number;
  serverCount: number;
  samples: number;
  budgetMs: number;
}): Promise<SourcesResult> {
  const { discord, db } = options;
  const servers = options.servers.slice(0, options.serverCount);
  const site = await startSite(300);
  const ids = await seedSources(db, servers, options.count, site.port);
  const bot = startBot("rally", {
    apiUrl: discord.apiUrl,
    databaseUrl: options.url,
    extra: { SOURCE_ALLOW_HOSTS: `127.0.0.1:${site.port}` },
  });
  try {
    await bot.ready;
    const home = options.servers[0] as BenchServer;
    const cards: ClaimCards = { cardIds: options.cardIds, pressed: 0 };
    // Warmed up first, not recorded: a just-started Rally's first answers (code not yet
    // optimized) would make the idle figure slow and the comparison easy.
    await sampleRoundTrips(discord, home, cards, () => false, 30);
    const idle = await sampleRoundTrips(discord, home, cards, () => false, options.samples);

    const before = discord.requests.length;
    const started = performance.now();
    // All due now, in the same minute: the scheduler's next pass (every 15 s) takes them.
    await db.dueJob.createMany({
      data: ids.map((id, index) => ({
        guildId: servers[index % servers.length]?.guildId ?? "",
        kind: sourcePollKind,
        subjectId: `${id}:0`,
        dueAt: new Date(),
      })),
    });
    // The bench's campaigns are the last ids: a range, not 1,000 bound parameters.
    const ours = { campaignId: { gte: Math.min(...ids) } };
    const settled = async () => {
      const [read, failed] = await Promise.all([
        db.countSource.count({ where: { ...ours, lastCount: { not: 1000 } } }),
        db.countSource.count({ where: { ...ours, failures: { gt: 0 } } }),
      ]);
      return { read, failed };
    };
    let done = false;
    let last = { read: 0, failed: 0 };
    let seconds = NaN;
    const watch = (async () => {
      while (performance.now() - started < options.budgetMs) {
        last = await settled();
        if (last.read + last.failed >= ids.length) {
          seconds = (performance.now() - started) / 1000;
          break;
        }
        await sleep(250);
      }
      done = true;
    })();
    const busy = await sampleRoundTrips(discord, home, cards, () => done, 10_000);
    await watch;
    const cardRequests = () =>
      discord.requests
        .slice(before)
        .filter(
          (request) =>
            (request.method === "PATCH" || request.method === "POST") &&
            /^\/channels\/\d+\/messages/.test(request.path) &&
            servers.some((server) => request.path.startsWith(`/channels/${server.channelId}/`)),
        ).length;
    const atReads = cardRequests();
    // The cards follow under the rate limits: give them a while, then count.
    await sleep(Math.min(30_000, options.budgetMs / 4));
    return {
      claimsRefused: Math.max(0, cards.pressed - cards.cardIds.length * home.memberIds.length),
      sources: ids.length,
      servers: servers.length,
      seconds: Number.isNaN(seconds) ? (performance.now() - started) / 1000 : seconds,
      read: last.read,
      timedOut: last.failed,
      cardRequests: cardRequests(),
      cardRequestsAfterReads: atReads,
      throttled: discord.requests.slice(before).filter((request) => request.status === 429).length,
      idle,
      busy,
    };
  } finally {
    await bot.stop();
    await site.close();
  }
}

export const p = (values: number[], fraction: number) => round(percentile(values, fraction), 1);
