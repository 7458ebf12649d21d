import { describe, expect, it } from "vitest";
import { createSourcePool } from "../../src/sources/pool.ts";
import type { SourceRequest, SourceResult } from "../../src/sources/readSource.ts";

interface Pending {
  request: SourceRequest;
  finish: (count: number) => void;
}

/** A read that waits until the test finishes it, recording what started. */
function controlledRead() {
  const started: Pending[] = [];
  const read = (request: SourceRequest) =>
    new Promise<SourceResult>((resolve) => {
      started.push({
        request,
        finish: (count) =>
          resolve({
            ok: true,
            count,
            kind: "page",
            displayUrl: request.url,
            host: new URL(request.url).host,
          }),
      });
    });
  return { started, read };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const page = (url: string, field = "{n} so far"): SourceRequest => ({ url, kind: "page", field });

describe("the source pool", () => {
  it("keeps a host to its share while other hosts' reads go ahead", async () => {
    const { started, read } = controlledRead();
    const pool = createSourcePool({ read, concurrency: 4, perHost: 2 });
    // Five reads of a hanging host queued first, then two of a healthy one.
    const slow = [1, 2, 3, 4, 5].map((n) => pool.read(page(`https://slow.example/p/${n}`)));
    const fast = [1, 2].map((n) => pool.read(page(`https://fast.example/p/${n}`)));
    await flush();
    expect(started.map((p) => new URL(p.request.url).host)).toEqual([
      "slow.example",
      "slow.example",
      "fast.example",
      "fast.example",
    ]);
    expect(pool.active).toBe(4);
    expect(pool.waiting).toBe(3);
    for (const pending of started.slice(2)) pending.finish(1);
    expect(await Promise.all(fast)).toMatchObject([{ count: 1 }, { count: 1 }]);
    await flush();
    // The freed slots go to the slow host only up to its share: still two of its reads at once.
    expect(pool.active).toBe(2);
    expect(started).toHaveLength(4);
    started[0]?.finish(2);
    await flush();
    expect(started).toHaveLength(5);
    for (const pending of started.slice(1)) pending.finish(2);
    await flush();
    for (const pending of started.slice(5)) pending.finish(2);
    await flush();
    for (const pending of started.slice(6)) pending.finish(2);
    expect((await Promise.all(slow)).map((r) => r.ok && !r.notModified && r.count)).toEqual([
      2, 2, 2, 2, 2,
    ]);
    expect(pool.active).toBe(0);
  });

  it("holds to the global cap", async () => {
    const { started, read } = controlledRead();
    const pool = createSourcePool({ read, concurrency: 3, perHost: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((n) => pool.read(page(`https://host${n}.example/`)));
    await flush();
    expect(started).toHaveLength(3);
    for (let round = 0; round < 3; round += 1) {
      for (const pending of started.splice(0)) pending.finish(round);
      await flush();
    }
    await Promise.all(all);
    expect(pool.active).toBe(0);
  });

  it("reads an identical request once, and distinct ones apart", async () => {
    const { started, read } = controlledRead();
    const pool = createSourcePool({ read, perHost: 4 });
    const a = pool.read(page("https://resist.bot/petitions/P1"));
    const b = pool.read(page("https://resist.bot/petitions/P1"));
    const c = pool.read(page("https://resist.bot/petitions/P1", "{n} signers"));
    const d = pool.read({ ...page("https://resist.bot/petitions/P1"), apiKey: "k" });
    await flush();
    expect(started).toHaveLength(3);
    for (const pending of started) pending.finish(9);
    const [ra, rb] = await Promise.all([a, b, c, d]);
    expect(ra).toBe(rb);
    // Once finished, the next round reads again.
    void pool.read(page("https://resist.bot/petitions/P1"));
    await flush();
    expect(started).toHaveLength(4);
  });

  it("turns a read that throws into a failure, and frees its slot", async () => {
    const pool = createSourcePool({ read: () => Promise.reject(new Error("boom")), perHost: 1 });
    expect(await pool.read(page("https://x.example/"))).toMatchObject({
      ok: false,
      reason: "network",
    });
    expect(await pool.read(page("https://x.example/2"))).toMatchObject({
      ok: false,
      reason: "network",
    });
    expect(pool.active).toBe(0);
  });
});
