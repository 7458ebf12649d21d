import {
  detectKind,
  pageReaderFor,
  readActionNetwork,
  readChangeOrg,
  readJsonField,
  readPagePattern,
  readResistbot,
  readUkParliament,
  ukParliamentJsonUrl,
  type PageReader,
  type ReaderFailureReason,
  type ReadResult,
  type ResolvedKind,
  type SourceKind,
} from "./readers.ts";
import {
  displayUrl,
  parseSourceUrl,
  safeFetch,
  type FetchFailureReason,
  type SafeFetchOptions,
} from "./safeFetch.ts";

export interface SourceRequest {
  url: string;
  kind: SourceKind;
  /** A JSON path for `json`, a `{n}` text pattern for a `page` without a built-in reader. */
  field?: string;
  /** Action Network's key; sent only to its API origin. */
  apiKey?: string;
  /** The validators of the last good reading. */
  previous?: { etag?: string; lastModified?: string };
}

export type SourceFailureReason = FetchFailureReason | ReaderFailureReason;

/** Shown or logged: never the query string (a key may be in it). */
interface Where {
  kind: ResolvedKind;
  reader?: PageReader;
  displayUrl: string;
  host: string;
}

export type SourceResult =
  | (Where & {
      ok: true;
      notModified?: false;
      count: number;
      goal?: number;
      etag?: string;
      lastModified?: string;
    })
  | (Where & { ok: true; notModified: true })
  | (Where & { ok: false; reason: SourceFailureReason; status?: number });

/** Fetches a source and reads its count; never throws. */
export async function readSource(
  request: SourceRequest,
  options: SafeFetchOptions = {},
): Promise<SourceResult> {
  const url = parseSourceUrl(request.url);
  if (url === undefined) {
    return {
      ok: false,
      reason: "badUrl",
      kind: request.kind === "auto" ? "page" : request.kind,
      displayUrl: displayUrl(request.url),
      host: "",
    };
  }
  const kind = request.kind === "auto" ? detectKind(url) : request.kind;
  const reader = kind === "page" ? pageReaderFor(url) : undefined;
  const where: Where = {
    kind,
    ...(reader === undefined ? {} : { reader }),
    displayUrl: displayUrl(url),
    host: url.host,
  };
  let target = url;
  if (kind === "uk_parliament") {
    const json = ukParliamentJsonUrl(url);
    if (json === undefined) return { ...where, ok: false, reason: "badUrl" };
    target = json;
  }
  // A field that cannot work fails before anything is fetched.
  const check = readerFor(kind, reader, request.field)("");
  if (!check.ok && check.reason === "badField") return { ...where, ok: false, reason: "badField" };

  const fetched = await safeFetch(
    target.href,
    {
      ...(kind === "action_network" && request.apiKey !== undefined
        ? { apiKey: request.apiKey }
        : {}),
      ...(request.previous === undefined ? {} : { previous: request.previous }),
      accept: kind === "page" ? "text/html,*/*;q=0.8" : "application/json,*/*;q=0.8",
    },
    options,
  );
  if (!fetched.ok) {
    return {
      ...where,
      ok: false,
      reason: fetched.reason,
      ...(fetched.status === undefined ? {} : { status: fetched.status }),
    };
  }
  if (fetched.notModified === true) return { ...where, ok: true, notModified: true };
  const read = readerFor(kind, reader, request.field)(fetched.body);
  if (!read.ok) return { ...where, ok: false, reason: read.reason };
  return {
    ...where,
    ok: true,
    count: read.count,
    ...(read.goal === undefined ? {} : { goal: read.goal }),
    ...(fetched.etag === undefined ? {} : { etag: fetched.etag }),
    ...(fetched.lastModified === undefined ? {} : { lastModified: fetched.lastModified }),
  };
}

function readerFor(
  kind: ResolvedKind,
  reader: PageReader | undefined,
  field: string | undefined,
): (body: string) => ReadResult {
  switch (kind) {
    case "uk_parliament":
      return readUkParliament;
    case "action_network":
      return readActionNetwork;
    case "json":
      return (body) => readJsonField(body, field);
    case "page":
      if (reader === "resistbot") return readResistbot;
      if (reader === "change_org") return readChangeOrg;
      return (body) => readPagePattern(body, field);
  }
}
