import { findNumber, parsePattern, visibleText } from "./pageText.ts";

export const sourceKinds = ["auto", "uk_parliament", "action_network", "json", "page"] as const;
export type SourceKind = (typeof sourceKinds)[number];
export type ResolvedKind = Exclude<SourceKind, "auto">;
/** Which reader a `page` source uses: a built-in one, or the user's `{n}` pattern. */
export type PageReader = "resistbot" | "change_org" | "pattern";

export type ReaderFailureReason =
  /** The page or document has no number where this reader looks. */
  | "noNumber"
  /** The body is not JSON. */
  | "badJson"
  /** The field (a JSON path or a text pattern) is missing where required, or malformed. */
  | "badField"
  /** A number was found but is not a count: negative, fractional or beyond 2^53. */
  | "badNumber";

export type ReadResult =
  { ok: true; count: number; goal?: number } | { ok: false; reason: ReaderFailureReason };

const hostIs = (hostname: string, domain: string) =>
  hostname === domain || hostname.endsWith(`.${domain}`);

/** The kind `auto` stands for, from the URL alone. */
export function detectKind(url: URL): ResolvedKind {
  const host = url.hostname;
  if (hostIs(host, "petition.parliament.uk")) return "uk_parliament";
  if (hostIs(host, "actionnetwork.org") && url.pathname.startsWith("/api/"))
    return "action_network";
  if (url.pathname.toLowerCase().endsWith(".json")) return "json";
  return "page";
}

/** The built-in page reader for a URL, when its site has one. */
export function pageReaderFor(url: URL): PageReader {
  const host = url.hostname;
  if (hostIs(host, "resist.bot") || hostIs(host, "resistbot.io")) return "resistbot";
  if (hostIs(host, "change.org")) return "change_org";
  return "pattern";
}

/**
 * Where a UK Parliament petition's count is: `<origin>/petitions/<id>.json` for its page
 * (with or without .json, a trailing slash, a query). Undefined for a URL that is no petition.
 */
export function ukParliamentJsonUrl(url: URL): URL | undefined {
  const match = /^\/petitions\/(\d{1,12})(?:\.json|\/)?$/.exec(url.pathname);
  if (match === null) return undefined;
  return new URL(`/petitions/${match[1] ?? ""}.json`, url.origin);
}

/** A count as a count: a non-negative safe integer, from a number or a numeric string ("1,204"). */
export function asCount(value: unknown): ReadResult {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0
      ? { ok: true, count: value }
      : { ok: false, reason: "badNumber" };
  }
  if (typeof value === "string") {
    const text = value.trim();
    if (!/^\d{1,3}(?:([,. \u00a0\u202f'’])\d{3})?(?:\1\d{3})*$|^\d{1,16}$/.test(text)) {
      return { ok: false, reason: text === "" ? "noNumber" : "badNumber" };
    }
    return asCount(Number(text.replace(/\D/g, "")));
  }
  return { ok: false, reason: "noNumber" };
}

const forbiddenSegments = new Set(["__proto__", "constructor", "prototype"]);

/** `data.attributes.signature_count` → its segments; undefined if malformed or dangerous. */
export function parseJsonPath(path: string): string[] | undefined {
  if (path.length === 0 || path.length > 200) return undefined;
  const segments = path.split(".");
  if (segments.some((segment) => segment === "" || forbiddenSegments.has(segment)))
    return undefined;
  return segments;
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The value at a path, through own properties only (and array indexes). */
function valueAt(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^\d{1,9}$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

export function readJsonField(body: string, field: string | undefined): ReadResult {
  const segments = field === undefined ? undefined : parseJsonPath(field);
  if (segments === undefined) return { ok: false, reason: "badField" };
  const parsed = parseJson(body);
  if (!parsed.ok) return { ok: false, reason: "badJson" };
  return asCount(valueAt(parsed.value, segments));
}

export function readUkParliament(body: string): ReadResult {
  return readJsonField(body, "data.attributes.signature_count");
}

export function readActionNetwork(body: string): ReadResult {
  return readJsonField(body, "total_signatures");
}

/** "332 so far! Help us get to 500 signers!" */
export function readResistbot(html: string): ReadResult {
  const text = visibleText(html);
  const count = findNumber(text, "", "so far");
  if (count === undefined) return { ok: false, reason: "noNumber" };
  const goal = findNumber(text, "help us get to", "signer");
  return goal === undefined ? { ok: true, count } : { ok: true, count, goal };
}

/**
 * change.org embeds the petition's state in a script: `"signatureCount":{"displayed":N,"total":N,
 * "goal":N}`, or `"signatureCount":{"displayed":N}` beside `"signatureGoal":{"displayed":N}`,
 * sometimes inside a JSON string (quotes escaped as \"). Read by scanning, not by a regex over
 * the page.
 */
export function readChangeOrg(html: string): ReadResult {
  const count = embeddedValue(html, "signatureCount");
  if (count === undefined) return { ok: false, reason: "noNumber" };
  const total = pick(count, "total") ?? pick(count, "displayed") ?? count;
  const result = asCount(total);
  if (!result.ok) return result;
  const goalValue = pick(count, "goal") ?? embeddedGoal(html);
  const goal = goalValue === undefined ? undefined : asCount(goalValue);
  return goal?.ok === true && goal.count > 0
    ? { ok: true, count: result.count, goal: goal.count }
    : result;
}

function embeddedGoal(html: string): unknown {
  const goal = embeddedValue(html, "signatureGoal");
  return goal === undefined ? undefined : (pick(goal, "displayed") ?? pick(goal, "total") ?? goal);
}

function pick(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
  const inner = (value as Record<string, unknown>)[key];
  return inner ?? undefined;
}

const maxEmbeddedObject = 1_000;

/** The first `"key": value` in the page whose value is a number or a small flat object. */
function embeddedValue(html: string, key: string): unknown {
  const needle = key;
  for (let at = html.indexOf(needle); at !== -1; at = html.indexOf(needle, at + needle.length)) {
    if (html[at - 1] !== '"') continue;
    let cursor = at + needle.length;
    if (html.startsWith('\\"', cursor)) cursor += 2;
    else if (html[cursor] === '"') cursor += 1;
    else continue;
    while (html[cursor] === " ") cursor += 1;
    if (html[cursor] !== ":") continue;
    cursor += 1;
    while (html[cursor] === " ") cursor += 1;
    if (html[cursor] === "{") {
      const close = html.indexOf("}", cursor);
      if (close === -1 || close - cursor > maxEmbeddedObject) continue;
      const parsed = parseJson(html.slice(cursor, close + 1).replaceAll('\\"', '"'));
      if (parsed.ok && typeof parsed.value === "object" && parsed.value !== null)
        return parsed.value;
      continue;
    }
    let end = cursor;
    while (end < html.length && end - cursor < 20 && /[0-9]/.test(html[end] ?? "")) end += 1;
    if (end > cursor) return Number(html.slice(cursor, end));
  }
  return undefined;
}

/** Any other page: the user's `{n}` pattern, on the page's visible text. */
export function readPagePattern(html: string, pattern: string | undefined): ReadResult {
  if (pattern === undefined) return { ok: false, reason: "badField" };
  const parsed = parsePattern(pattern);
  if (!parsed.ok) return parsed;
  const count = findNumber(visibleText(html), parsed.before, parsed.after);
  return count === undefined ? { ok: false, reason: "noNumber" } : { ok: true, count };
}
