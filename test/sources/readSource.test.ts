import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSourcePool } from "../../src/sources/pool.ts";
import { readSource } from "../../src/sources/readSource.ts";
import type { SafeFetchOptions } from "../../src/sources/safeFetch.ts";
import { startPetitionServer, type PetitionServer } from "./petitionServer.ts";

let site: PetitionServer;
beforeAll(async () => {
  site = await startPetitionServer();
});
afterAll(() => site.close());

const options = (): SafeFetchOptions => ({
  allowHosts: [{ host: "127.0.0.1", port: site.port }],
  resolve: () => Promise.reject(new Error("no DNS in tests")),
  timeoutMs: 1_000,
  apiKeyOrigin: site.origin,
});
const where = () => ({ host: `127.0.0.1:${site.port}` });

describe("readSource over the local petition site", () => {
  it("reads a UK Parliament petition from its page URL, through its JSON", async () => {
    const result = await readSource(
      { url: `${site.origin}/petitions/700001?utm=x`, kind: "uk_parliament" },
      options(),
    );
    expect(result).toEqual({
      ok: true,
      kind: "uk_parliament",
      count: 1204,
      displayUrl: `${site.origin}/petitions/700001`,
      ...where(),
    });
    expect(site.seen.at(-1)?.path).toBe("/petitions/700001.json");
  });

  it("reads an Action Network petition with its key", async () => {
    const result = await readSource(
      { url: `${site.origin}/api/v2/petitions/abc`, kind: "action_network", apiKey: "k-123" },
      options(),
    );
    expect(result).toMatchObject({ ok: true, kind: "action_network", count: 1204 });
    expect(site.seen.at(-1)?.headers["osdi-api-token"]).toBe("k-123");
  });

  it("sends no key for any other kind", async () => {
    await readSource(
      {
        url: `${site.origin}/count.json`,
        kind: "json",
        field: "petition.signatureCount.total",
        apiKey: "k",
      },
      options(),
    );
    expect(site.seen.at(-1)?.headers["osdi-api-token"]).toBeUndefined();
  });

  it("reads a JSON field given as a numeric string", async () => {
    const result = await readSource(
      { url: `${site.origin}/count.json`, kind: "auto", field: "petition.signatureCount.total" },
      options(),
    );
    expect(result).toMatchObject({ ok: true, kind: "json", count: 1204 });
  });

  it.each([
    ["/russian", "Подписали: {n}"],
    ["/german", "{n} so far"],
    ["/spaced", "{n} so far"],
  ])("reads %s with the pattern %j", async (path, field) => {
    const result = await readSource(
      { url: `${site.origin}${path}`, kind: "page", field },
      options(),
    );
    expect(result).toMatchObject({ ok: true, kind: "page", reader: "pattern", count: 1204 });
  });

  it("reports a page with no number", async () => {
    const result = await readSource(
      { url: `${site.origin}/no-number`, kind: "page", field: "{n} so far" },
      options(),
    );
    expect(result).toMatchObject({ ok: false, reason: "noNumber", kind: "page" });
  });

  it("refuses a bad field before fetching anything", async () => {
    const before = site.seen.length;
    for (const [kind, field] of [
      ["page", "so far"],
      ["json", "__proto__.polluted"],
      ["json", undefined],
    ] as const) {
      const result = await readSource(
        { url: `${site.origin}/count.json`, kind, ...(field === undefined ? {} : { field }) },
        options(),
      );
      expect(result).toMatchObject({ ok: false, reason: "badField" });
    }
    expect(site.seen.length).toBe(before);
  });

  it("answers notModified when the validators still hold, and gives them back otherwise", async () => {
    const first = await readSource(
      { url: `${site.origin}/etag`, kind: "json", field: "count" },
      options(),
    );
    expect(first).toMatchObject({
      ok: true,
      count: 5,
      etag: '"v1"',
      lastModified: "Mon, 07 Dec 2026 14:00:00 GMT",
    });
    const second = await readSource(
      { url: `${site.origin}/etag`, kind: "json", field: "count", previous: { etag: '"v1"' } },
      options(),
    );
    expect(second).toMatchObject({ ok: true, notModified: true, kind: "json" });
  });

  it("shows no query string, and reports fetch failures with their host", async () => {
    const result = await readSource(
      { url: "http://10.0.0.1/petition?key=secret", kind: "auto", field: "{n} so far" },
      options(),
    );
    expect(result).toEqual({
      ok: false,
      reason: "forbiddenAddress",
      kind: "page",
      reader: "pattern",
      displayUrl: "http://10.0.0.1/petition",
      host: "10.0.0.1",
    });
  });

  it("refuses a UK Parliament URL that is no petition, and a URL that is no URL", async () => {
    expect(
      await readSource({ url: `${site.origin}/about`, kind: "uk_parliament" }, options()),
    ).toMatchObject({ ok: false, reason: "badUrl" });
    expect(await readSource({ url: "ftp://x/", kind: "auto" }, options())).toMatchObject({
      ok: false,
      reason: "badUrl",
    });
  });
});

describe("the pool over real fetches", () => {
  it("lets a healthy site's read through while a hanging site holds only its share", async () => {
    const healthy = await startPetitionServer();
    try {
      const fetchOptions: SafeFetchOptions = {
        ...options(),
        allowHosts: [
          { host: "127.0.0.1", port: site.port },
          { host: "127.0.0.1", port: healthy.port },
        ],
        timeoutMs: 300,
      };
      const pool = createSourcePool({
        read: (request) => readSource(request, fetchOptions),
        concurrency: 3,
        perHost: 2,
      });
      let hangingSettled = 0;
      const hanging = [1, 2, 3, 4].map((n) =>
        pool
          .read({ url: `${site.origin}/hang?n=${n}`, kind: "page", field: "{n} so far" })
          .finally(() => (hangingSettled += 1)),
      );
      const read = await pool.read({
        url: `${healthy.origin}/german`,
        kind: "page",
        field: "{n} so far",
      });
      expect(read).toMatchObject({ ok: true, count: 1204 });
      // Read while every hanging one still waited for its deadline: none held it up.
      expect(hangingSettled).toBe(0);
      expect(await Promise.all(hanging)).toMatchObject([
        { ok: false, reason: "timeout" },
        { ok: false, reason: "timeout" },
        { ok: false, reason: "timeout" },
        { ok: false, reason: "timeout" },
      ]);
    } finally {
      await healthy.close();
    }
  });
});
