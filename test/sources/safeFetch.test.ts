import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AllowedHost } from "../../src/sources/addresses.ts";
import {
  defaultUserAgent,
  displayUrl,
  safeFetch,
  sendsApiKeyTo,
  type ResolveAddresses,
  type SafeFetchOptions,
} from "../../src/sources/safeFetch.ts";
import { startPetitionServer, type PetitionServer } from "./petitionServer.ts";

let site: PetitionServer;
/** A second site on another port: "another host" for the API key, not on the allow-list by default. */
let other: PetitionServer;
/** A site on 127.0.0.2, which a redirect must not reach. */
let loopback2: PetitionServer;

beforeAll(async () => {
  [site, other, loopback2] = await Promise.all([
    startPetitionServer(),
    startPetitionServer(),
    startPetitionServer("127.0.0.2"),
  ]);
});
afterAll(async () => {
  await Promise.all([site.close(), other.close(), loopback2.close()]);
});

const noDns: ResolveAddresses = () => Promise.reject(new Error("no DNS in tests"));
const allowSite = (): AllowedHost[] => [{ host: "127.0.0.1", port: site.port }];
const options = (extra: SafeFetchOptions = {}): SafeFetchOptions => ({
  allowHosts: allowSite(),
  resolve: noDns,
  timeoutMs: 1_000,
  ...extra,
});

describe("safeFetch on an allowed local site", () => {
  it("fetches a page, naming Rally and its version", async () => {
    const result = await safeFetch(`${site.origin}/petitions/700001.json`, {}, options());
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      finalUrl: `${site.origin}/petitions/700001.json`,
    });
    expect(site.seen.at(-1)?.headers["user-agent"]).toBe(defaultUserAgent);
    expect(defaultUserAgent).toMatch(/^Rally\/\d+\.\d+\.\d+ \(count source reader\)$/);
  });

  it("decompresses gzip", async () => {
    const result = await safeFetch(`${site.origin}/gzip`, {}, options());
    expect(result.ok && !result.notModified && result.body).toContain("42 so far");
  });

  it("reports an HTTP error with its status", async () => {
    expect(await safeFetch(`${site.origin}/missing`, {}, options())).toEqual({
      ok: false,
      reason: "http",
      status: 404,
      host: `127.0.0.1:${site.port}`,
    });
  });

  it("sends the previous validators and reports a 304 as notModified", async () => {
    const first = await safeFetch(`${site.origin}/etag`, {}, options());
    expect(first).toMatchObject({
      ok: true,
      etag: '"v1"',
      lastModified: "Mon, 07 Dec 2026 14:00:00 GMT",
    });
    const second = await safeFetch(
      `${site.origin}/etag`,
      { previous: { etag: '"v1"', lastModified: "Mon, 07 Dec 2026 14:00:00 GMT" } },
      options(),
    );
    expect(second).toEqual({ ok: true, notModified: true, finalUrl: `${site.origin}/etag` });
    expect(site.seen.at(-1)?.headers).toMatchObject({
      "if-none-match": '"v1"',
      "if-modified-since": "Mon, 07 Dec 2026 14:00:00 GMT",
    });
  });
});

describe("safeFetch limits", () => {
  it("stops a 50 MB body at 2 MB without reading the rest", async () => {
    const result = await safeFetch(`${site.origin}/huge`, {}, options({ timeoutMs: 5_000 }));
    expect(result).toMatchObject({ ok: false, reason: "tooLarge" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Socket buffers let the server get somewhat ahead of the reader, never near 50 MB.
    expect(site.hugeBytesWritten()).toBeLessThan(12 * 1024 * 1024);
  });

  it("refuses a declared 50 MB body at once", async () => {
    const result = await safeFetch(`${site.origin}/huge-declared`, {}, options());
    expect(result).toMatchObject({ ok: false, reason: "tooLarge" });
  });

  it("counts the 2 MB after decompression (a gzip bomb)", async () => {
    const result = await safeFetch(`${site.origin}/gzip-bomb`, {}, options());
    expect(result).toMatchObject({ ok: false, reason: "tooLarge" });
  });

  // These servers never finish: without the total deadline the fetch would never end, and the
  // test would fail at its own timeout. (No timed assertion: speed belongs to the bench.)
  it("times out a server that never answers, at the total deadline", async () => {
    const result = await safeFetch(`${site.origin}/hang`, {}, options({ timeoutMs: 200 }));
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
  });

  it("times out a body that trickles forever (slow loris), at the same deadline", async () => {
    const result = await safeFetch(`${site.origin}/trickle`, {}, options({ timeoutMs: 200 }));
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
  });

  it("times out a resolver that hangs", async () => {
    const result = await safeFetch(
      "http://slow-dns.test/",
      {},
      options({ timeoutMs: 100, resolve: () => new Promise(() => {}) }),
    );
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
  });

  it("follows 3 redirects and refuses a 4th", async () => {
    const three = await safeFetch(`${site.origin}/chain/3`, {}, options());
    expect(three).toMatchObject({
      ok: true,
      body: '{"count":7}',
      finalUrl: `${site.origin}/chain/0`,
    });
    const four = await safeFetch(`${site.origin}/chain/4`, {}, options());
    expect(four).toMatchObject({ ok: false, reason: "tooManyRedirects" });
  });
});

describe("safeFetch refuses internal addresses", () => {
  it.each([
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:127.0.0.1]:8080/",
    "http://[::1]/",
    "http://[::]/",
    "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.0.1/",
    "http://100.64.0.1/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
  ])("refuses %s without DNS", async (url) => {
    const result = await safeFetch(url, {}, { resolve: noDns, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, reason: "forbiddenAddress" });
  });

  it("refuses 127.0.0.1 on a port the allow-list does not name", async () => {
    const result = await safeFetch(`${other.origin}/petitions/700001.json`, {}, options());
    expect(result).toMatchObject({ ok: false, reason: "forbiddenAddress" });
    expect(other.seen).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address, and one with a private address among public ones", async () => {
    for (const addresses of [
      [{ address: "127.0.0.1", family: 4 as const }],
      [
        { address: "8.8.8.8", family: 4 as const },
        { address: "10.1.2.3", family: 4 as const },
      ],
      [{ address: "::ffff:127.0.0.1", family: 6 as const }],
    ]) {
      const result = await safeFetch(
        `http://petition.example:${site.port}/petitions/700001.json`,
        {},
        options({ resolve: () => Promise.resolve(addresses) }),
      );
      expect(result).toMatchObject({
        ok: false,
        reason: "forbiddenAddress",
        host: `petition.example:${site.port}`,
      });
    }
  });

  it("connects to the very address it checked, resolving once (no second lookup to rebind)", async () => {
    let lookups = 0;
    const resolve: ResolveAddresses = () => {
      lookups += 1;
      return Promise.resolve([{ address: "127.0.0.1", family: 4 }]);
    };
    const result = await safeFetch(
      `http://petitions.test:${site.port}/petitions/700001.json`,
      {},
      options({ resolve, allowHosts: [{ host: "petitions.test" }] }),
    );
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(lookups).toBe(1);
    expect(site.seen.at(-1)?.headers.host).toBe(`petitions.test:${site.port}`);
  });

  it("refuses a redirect to 127.0.0.2 from an allowed host", async () => {
    const to = `${loopback2.origin}/petitions/700001.json`;
    const result = await safeFetch(
      `${site.origin}/redirect?to=${encodeURIComponent(to)}`,
      {},
      options(),
    );
    expect(result).toMatchObject({
      ok: false,
      reason: "forbiddenAddress",
      host: `127.0.0.2:${loopback2.port}`,
    });
    expect(loopback2.seen).toHaveLength(0);
  });

  it("refuses a redirect to another scheme", async () => {
    const result = await safeFetch(
      `${site.origin}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`,
      {},
      options(),
    );
    expect(result).toMatchObject({ ok: false, reason: "badUrl" });
  });

  it.each([
    "ftp://example.org/",
    "javascript:alert(1)",
    "http://user:pass@example.org/",
    "not a url",
    `http://x/${"a".repeat(3000)}`,
  ])("refuses the URL %s", async (url) => {
    expect(await safeFetch(url, {}, options())).toEqual({ ok: false, reason: "badUrl" });
  });
});

describe("the Action Network key", () => {
  it("goes only to its own origin, and is dropped on a redirect that leaves it", async () => {
    const keyOptions = options({
      apiKeyOrigin: site.origin,
      allowHosts: [...allowSite(), { host: "127.0.0.1", port: other.port }],
    });
    const target = `${other.origin}/api/v2/petitions/abc`;
    const result = await safeFetch(
      `${site.origin}/api/v2/petitions/abc?to=${encodeURIComponent(target)}`,
      { apiKey: "secret-key" },
      keyOptions,
    );
    expect(result).toMatchObject({ ok: true, status: 200, finalUrl: target });
    expect(site.seen.at(-1)?.headers["osdi-api-token"]).toBe("secret-key");
    expect(other.seen.at(-1)?.path).toBe("/api/v2/petitions/abc");
    expect(other.seen.at(-1)?.headers["osdi-api-token"]).toBeUndefined();
  });

  it("is sent to https://actionnetwork.org only", () => {
    expect(sendsApiKeyTo(new URL("https://actionnetwork.org/api/v2/petitions/x"))).toBe(true);
    expect(sendsApiKeyTo(new URL("https://ACTIONNETWORK.org:443/api/v2/petitions/x"))).toBe(true);
    for (const url of [
      "http://actionnetwork.org/api/v2/petitions/x",
      "https://actionnetwork.org:8443/api/v2/petitions/x",
      "https://evilactionnetwork.org/api/v2/petitions/x",
      "https://actionnetwork.org.evil.example/api/v2/petitions/x",
      "https://www.actionnetwork.org/api/v2/petitions/x",
      "https://user.actionnetwork.org/api/v2/petitions/x",
      "https://actionnetwork.org./api/v2/petitions/x",
    ]) {
      expect(sendsApiKeyTo(new URL(url)), url).toBe(false);
    }
  });
});

describe("displayUrl", () => {
  it("drops the query string, the fragment and any credentials", () => {
    expect(displayUrl("https://u:p@Example.org:8443/petitions/1?key=secret#top")).toBe(
      "https://example.org:8443/petitions/1",
    );
    expect(displayUrl("nonsense")).toBe("(invalid URL)");
  });
});
