import { describe, expect, it } from "vitest";
import { findNumber, parsePattern, visibleText } from "../../src/sources/pageText.ts";
import {
  asCount,
  detectKind,
  pageReaderFor,
  readChangeOrg,
  readJsonField,
  readPagePattern,
  readResistbot,
  ukParliamentJsonUrl,
} from "../../src/sources/readers.ts";
import { fixture } from "./petitionServer.ts";

describe("detectKind", () => {
  it.each([
    ["https://petition.parliament.uk/petitions/700001", "uk_parliament", "pattern"],
    ["https://actionnetwork.org/api/v2/petitions/abc", "action_network", "pattern"],
    ["https://actionnetwork.org/petitions/keep-it-open", "page", "pattern"],
    ["https://resist.bot/petitions/PXMPLE", "page", "resistbot"],
    ["https://www.change.org/p/protect-the-millbrook-wetlands", "page", "change_org"],
    ["https://example.org/api/petition.json?x=1", "json", "pattern"],
    ["https://example.org/petition", "page", "pattern"],
    ["https://notchange.org/p/x", "page", "pattern"],
  ])("%s → %s", (url, kind, reader) => {
    expect(detectKind(new URL(url))).toBe(kind);
    expect(pageReaderFor(new URL(url))).toBe(reader);
  });

  it("turns a UK Parliament petition page into its JSON", () => {
    expect(
      ukParliamentJsonUrl(new URL("https://petition.parliament.uk/petitions/700001?x=1"))?.href,
    ).toBe("https://petition.parliament.uk/petitions/700001.json");
    expect(
      ukParliamentJsonUrl(new URL("https://petition.parliament.uk/petitions/700001.json"))?.href,
    ).toBe("https://petition.parliament.uk/petitions/700001.json");
    expect(
      ukParliamentJsonUrl(new URL("https://petition.parliament.uk/petitions")),
    ).toBeUndefined();
  });
});

describe("JSON fields", () => {
  const body = JSON.stringify({
    data: { attributes: { signature_count: 1204 } },
    petition: { signatureCount: { total: "1,204" } },
    list: [{ n: 3 }],
    negative: -1,
    fraction: 1.5,
    huge: 2 ** 60,
    text: "lots",
  });

  it.each([
    ["data.attributes.signature_count", { ok: true, count: 1204 }],
    ["petition.signatureCount.total", { ok: true, count: 1204 }],
    ["list.0.n", { ok: true, count: 3 }],
    ["data.attributes.missing", { ok: false, reason: "noNumber" }],
    ["negative", { ok: false, reason: "badNumber" }],
    ["fraction", { ok: false, reason: "badNumber" }],
    ["huge", { ok: false, reason: "badNumber" }],
    ["text", { ok: false, reason: "badNumber" }],
    ["data", { ok: false, reason: "noNumber" }],
  ])("%s", (field, expected) => {
    expect(readJsonField(body, field)).toEqual(expected);
  });

  it.each([
    "__proto__.x",
    "data.constructor",
    "constructor.prototype",
    "data..x",
    "",
    "a".repeat(201),
  ])("refuses the path %j", (field) => {
    expect(readJsonField(body, field)).toEqual({ ok: false, reason: "badField" });
  });

  it("reads own properties only, never inherited ones", () => {
    expect(readJsonField("{}", "toString.length")).toEqual({ ok: false, reason: "noNumber" });
  });

  it("reports a body that is not JSON", () => {
    expect(readJsonField("<html>", "a")).toEqual({ ok: false, reason: "badJson" });
  });

  it.each([
    ["1,204", 1204],
    ["1.204", 1204],
    ["1 204", 1204],
    ["1\u00a0204", 1204],
    ["1\u202f204", 1204],
    ["1'204'000", 1204000],
    ["1204", 1204],
  ])("reads the numeric string %j", (text, count) => {
    expect(asCount(text)).toEqual({ ok: true, count });
  });

  it.each(["1,2", "1,204.5", "-3", "12,34,567", "1,204 204"])(
    "refuses the numeric string %j",
    (text) => {
      expect(asCount(text).ok).toBe(false);
    },
  );
});

describe("page text", () => {
  it("keeps what a reader sees and drops scripts, styles, comments and tags", () => {
    const text = visibleText(
      '<head><title>T</title><script>var n = "9 so far";</script></head><body><style>p{}</style>' +
        "<!-- 8 so far --><p>A&amp;B&nbsp;&#8239;&#x41;</p><SCRIPT type=x>7 so far</SCRIPT ><p>ok</p></body>",
    );
    expect(text.trim()).toBe("a&b a ok");
  });

  it.each([
    ["<p>1,204 so far</p>", 1204],
    ["<p>1.204 so far</p>", 1204],
    ["<p>1 204 so far</p>", 1204],
    ["<p>1&nbsp;204 so far</p>", 1204],
    ["<p>1\u202f204 so far</p>", 1204],
    ["<p>1204 so far</p>", 1204],
    ["<p><b>1,204</b>\n  so far</p>", 1204],
    ["<p>Goal 500 1 204 so far</p>", 1204],
    ["<p>In 2026, 87 so far</p>", 87],
  ])("reads %j with {n} so far", (html, count) => {
    expect(readPagePattern(html, "{n} so far")).toEqual({ ok: true, count });
  });

  it("reads a pattern with text before the number, in another script", () => {
    expect(readPagePattern("<p>ПОДПИСАЛИ:&nbsp;1&#8239;204 человек</p>", "Подписали: {n}")).toEqual(
      {
        ok: true,
        count: 1204,
      },
    );
  });

  it("matches a pattern's characters literally, never as a regular expression", () => {
    expect(readPagePattern("<p>(.*)+ 5 [a-z]</p>", "(.*)+ {n} [a-z]")).toEqual({
      ok: true,
      count: 5,
    });
    expect(readPagePattern("<p>aaaa 5 b</p>", "(.*)+ {n} [a-z]")).toEqual({
      ok: false,
      reason: "noNumber",
    });
  });

  it.each(["so far", "{n} and {n}", "{n}", "  {n}  ", `{n} ${"x".repeat(200)}`])(
    "refuses the pattern %j",
    (pattern) => {
      expect(parsePattern(pattern)).toEqual({ ok: false, reason: "badField" });
      expect(readPagePattern("<p>5 so far</p>", pattern)).toEqual({
        ok: false,
        reason: "badField",
      });
    },
  );

  it("reports a page without the number", () => {
    expect(readPagePattern("<p>Sign now!</p>", "{n} so far")).toEqual({
      ok: false,
      reason: "noNumber",
    });
  });

  // No timed assertion (speed belongs to the bench): ~300 ms here on an idle machine, while
  // anything quadratic in 1 MB would run for hours, past this test's timeout.
  it(
    "stays linear on 1 MB pages built to make a backtracking matcher crawl",
    { timeout: 60_000 },
    () => {
      const digits = "1 ".repeat(512 * 1024);
      expect(findNumber(digits, "x", "so far")).toBeUndefined();
      const tags = "<script".repeat(150_000) + "<".repeat(150_000) + "<!--".repeat(100_000);
      visibleText(tags);
      const commas = "1,".repeat(512 * 1024) + "1";
      expect(readPagePattern(commas, "{n} signers")).toEqual({ ok: false, reason: "noNumber" });
    },
  );
});

describe("built-in page readers", () => {
  it("reads a Resistbot page's count and goal from its text, not its scripts or styles", () => {
    expect(readResistbot(fixture("resistbot-petition.html"))).toEqual({
      ok: true,
      count: 1332,
      goal: 2000,
    });
    expect(readResistbot("<p>1 so far!</p>")).toEqual({ ok: true, count: 1 });
    expect(readResistbot("<p>Be the first</p>")).toEqual({ ok: false, reason: "noNumber" });
  });

  it("reads a change.org page's embedded state: total over displayed, with the goal", () => {
    expect(readChangeOrg(fixture("change-org-petition.html"))).toEqual({
      ok: true,
      count: 1204,
      goal: 2000,
    });
  });

  it("reads the GraphQL shape, escaped inside a JSON string, with signatureGoal beside it", () => {
    const page =
      '<script>self.__next_f.push([1,"{\\"petition\\":{\\"weeklySignatureCount\\":12,' +
      '\\"signatureCount\\":{\\"displayed\\":1204},\\"signatureGoal\\":{\\"displayed\\":1500}}}"])</script>';
    expect(readChangeOrg(page)).toEqual({ ok: true, count: 1204, goal: 1500 });
  });

  it("reads a flat signatureCount number, and fails on a page without one", () => {
    expect(readChangeOrg('<script>{"signatureCount":77}</script>')).toEqual({
      ok: true,
      count: 77,
    });
    expect(readChangeOrg("<p>Petition closed</p>")).toEqual({ ok: false, reason: "noNumber" });
  });
});
