import { promises as dns, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import zlib from "node:zlib";
import packageJson from "../../package.json" with { type: "json" };
import {
  effectivePort,
  ipLiteral,
  isAllowedHost,
  isPublicAddress,
  type AllowedHost,
} from "./addresses.ts";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name has; the one Rally connects to is among those it checked. */
export type ResolveAddresses = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface SafeFetchOptions {
  /** Hosts reached whatever their address (SOURCE_ALLOW_HOSTS); scheme and redirects still checked. */
  allowHosts?: readonly AllowedHost[];
  /** The DNS; tests inject names that resolve where they like. */
  resolve?: ResolveAddresses;
  /** One deadline for the whole fetch: DNS, connects, redirects and body. */
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** The only origin the API key is sent to. Tests point it at their local server. */
  apiKeyOrigin?: string;
  userAgent?: string;
  /** Cancels the fetch from outside (a shutdown); reported as a timeout. */
  signal?: AbortSignal;
}

export interface FetchRequest {
  /** Sent as OSDI-API-Token, only to `apiKeyOrigin`, never to a hop elsewhere. */
  apiKey?: string;
  /** The validators of the last reading: a 304 answers `notModified`. */
  previous?: { etag?: string; lastModified?: string };
  accept?: string;
}

export type FetchFailureReason =
  "badUrl" | "forbiddenAddress" | "timeout" | "tooLarge" | "tooManyRedirects" | "http" | "network";

export type FetchResult =
  | {
      ok: true;
      notModified?: false;
      status: number;
      body: string;
      contentType?: string;
      etag?: string;
      lastModified?: string;
      finalUrl: string;
    }
  | { ok: true; notModified: true; finalUrl: string }
  | { ok: false; reason: FetchFailureReason; status?: number; host?: string };

export const defaultTimeoutMs = 5_000;
export const defaultMaxBytes = 2 * 1024 * 1024;
export const defaultMaxRedirects = 3;
export const actionNetworkOrigin = "https://actionnetwork.org";
export const defaultUserAgent = `Rally/${packageJson.version} (count source reader)`;
const maxUrlLength = 2_048;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** The URL as it may be shown or logged: no credentials, query string or fragment (a key may hide there). */
export function displayUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(invalid URL)";
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** A user-typed URL Rally may try to fetch: http(s), no credentials, not absurdly long. */
export function parseSourceUrl(input: string): URL | undefined {
  if (input.length > maxUrlLength) return undefined;
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  if (url.hostname === "") return undefined;
  return url;
}

/** Whether the API key goes with a request to this URL: exactly the key's origin (scheme, host, port). */
export function sendsApiKeyTo(url: URL, apiKeyOrigin: string = actionNetworkOrigin): boolean {
  return url.origin === new URL(apiKeyOrigin).origin;
}

const defaultResolve: ResolveAddresses = async (hostname) => {
  const addresses = await dns.lookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

class ForbiddenAddressError extends Error {
  readonly code = "ERR_RALLY_FORBIDDEN_ADDRESS";
}

class TooLargeError extends Error {}

interface Hop {
  status: number;
  response: IncomingMessage;
}

/**
 * Fetches a user-typed URL without letting it reach Rally's own network: every hop's address is
 * checked when it is connected to, redirects are followed here (at most 3, each checked again),
 * one deadline covers everything and the body stops at 2 MB. Never throws.
 */
export async function safeFetch(
  input: string,
  request: FetchRequest = {},
  options: SafeFetchOptions = {},
): Promise<FetchResult> {
  const first = parseSourceUrl(input);
  if (first === undefined) return { ok: false, reason: "badUrl" };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs ?? defaultTimeoutMs);
  const onOuterAbort = () => deadline.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (options.signal?.aborted === true) deadline.abort();
  try {
    return await follow(first, request, options, deadline.signal);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}

async function follow(
  first: URL,
  request: FetchRequest,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<FetchResult> {
  const maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
  const conditional =
    request.previous?.etag !== undefined || request.previous?.lastModified !== undefined;
  let url = first;
  for (let redirects = 0; ; redirects += 1) {
    const host = url.host;
    let hop: Hop;
    try {
      hop = await open(url, request, options, signal);
    } catch (error) {
      return { ok: false, reason: failureReason(error, signal), host };
    }
    const { status, response } = hop;
    if (redirectStatuses.has(status)) {
      response.destroy();
      const location = response.headers.location;
      if (location === undefined) return { ok: false, reason: "http", status, host };
      if (redirects >= maxRedirects) return { ok: false, reason: "tooManyRedirects", host };
      let next: URL | undefined;
      try {
        next = parseSourceUrl(new URL(location, url).href);
      } catch {
        next = undefined;
      }
      if (next === undefined) return { ok: false, reason: "badUrl", host };
      url = next;
      continue;
    }
    if (status === 304 && conditional) {
      response.destroy();
      return { ok: true, notModified: true, finalUrl: url.href };
    }
    if (status < 200 || status > 299) {
      response.destroy();
      return { ok: false, reason: "http", status, host };
    }
    let body: string;
    try {
      body = await readBody(response, options.maxBytes ?? defaultMaxBytes);
    } catch (error) {
      return { ok: false, reason: failureReason(error, signal), host };
    }
    const { etag, "last-modified": lastModified, "content-type": contentType } = response.headers;
    return {
      ok: true,
      status,
      body,
      ...(contentType === undefined ? {} : { contentType }),
      ...(etag === undefined ? {} : { etag }),
      ...(lastModified === undefined ? {} : { lastModified }),
      finalUrl: url.href,
    };
  }
}

function failureReason(error: unknown, signal: AbortSignal): FetchFailureReason {
  if (error instanceof ForbiddenAddressError) return "forbiddenAddress";
  if (error instanceof TooLargeError) return "tooLarge";
  if (signal.aborted) return "timeout";
  return "network";
}

/** Header values a server or a user gave us, sent back only if they are one printable line. */
const headerSafe = (value: string) => /^[\t\x20-\x7e]{1,1024}$/.test(value);

function headersFor(url: URL, request: FetchRequest, options: SafeFetchOptions) {
  const headers: Record<string, string> = {
    "user-agent": options.userAgent ?? defaultUserAgent,
    accept: request.accept ?? "text/html,application/json;q=0.9,*/*;q=0.8",
    "accept-encoding": "gzip, deflate, br",
  };
  const { etag, lastModified } = request.previous ?? {};
  if (etag !== undefined && headerSafe(etag)) headers["if-none-match"] = etag;
  if (lastModified !== undefined && headerSafe(lastModified)) {
    headers["if-modified-since"] = lastModified;
  }
  if (
    request.apiKey !== undefined &&
    headerSafe(request.apiKey) &&
    sendsApiKeyTo(url, options.apiKeyOrigin)
  ) {
    headers["osdi-api-token"] = request.apiKey;
  }
  return headers;
}

/** One request, no redirects followed; resolves when the status and headers are in. */
function open(
  url: URL,
  request: FetchRequest,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<Hop> {
  const allowed = isAllowedHost(url, options.allowHosts ?? []);
  const literal = ipLiteral(url.hostname);
  // Node connects to an IP literal without calling `lookup`: judge it here, without DNS.
  if (literal !== undefined && !allowed && !isPublicAddress(literal)) {
    return Promise.reject(new ForbiddenAddressError(`refused address ${literal}`));
  }
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  const resolve = options.resolve ?? defaultResolve;
  // Called by net at connect time; what it returns is what the socket connects to, so a name
  // that resolves differently a second time (DNS rebinding) gains nothing.
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    // Through a promise, so a resolver that throws fails the request instead of the process.
    Promise.resolve(hostname)
      .then(resolve)
      .then(
        (addresses) => {
          const family =
            lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
          const usable = addresses.filter((a) => family === 0 || a.family === family);
          const first = usable[0];
          if (first === undefined) {
            callback(
              Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }),
              "",
              0,
            );
            return;
          }
          if (!allowed && addresses.some((a) => !isPublicAddress(a.address))) {
            callback(new ForbiddenAddressError(`refused address for ${hostname}`), "", 0);
            return;
          }
          if (lookupOptions.all === true) {
            const all: LookupAddress[] = usable.map((a) => ({
              address: a.address,
              family: a.family,
            }));
            (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, all);
          } else {
            callback(null, first.address, first.family);
          }
        },
        (error: unknown) =>
          callback(error instanceof Error ? error : new Error(String(error)), "", 0),
      );
  };
  return new Promise<Hop>((resolvePromise, reject) => {
    const send = url.protocol === "https:" ? https.request : http.request;
    let outgoing: http.ClientRequest;
    try {
      outgoing = send(
        {
          protocol: url.protocol,
          hostname: literal ?? url.hostname,
          port: effectivePort(url),
          path: `${url.pathname}${url.search}`,
          method: "GET",
          headers: headersFor(url, request, options),
          // A fresh connection per hop: no pooled socket to an address checked for another URL.
          agent: false,
          lookup,
          signal,
        },
        (response) => resolvePromise({ status: response.statusCode ?? 0, response }),
      );
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** The body as text, decompressed, stopping with TooLargeError past `maxBytes` (counted after decompression). */
function readBody(response: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return Promise.reject(new TooLargeError("declared body too large"));
  }
  const encoding = (response.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  let stream: NodeJS.ReadableStream & { destroy(error?: Error): void } = response;
  if (encoding === "gzip" || encoding === "x-gzip") stream = response.pipe(zlib.createGunzip());
  else if (encoding === "deflate") stream = response.pipe(zlib.createInflate());
  else if (encoding === "br") stream = response.pipe(zlib.createBrotliDecompress());
  return new Promise<string>((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      response.destroy();
      if (stream !== response) stream.destroy();
      reject(error);
    };
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new TooLargeError("body too large"));
        return;
      }
      chunks.push(chunk);
    });
    stream.on("error", (error: Error) => fail(error));
    if (stream !== response) response.on("error", (error: Error) => fail(error));
    response.on("aborted", () => fail(new Error("response aborted")));
    stream.on("end", () => {
      if (settled) return;
      settled = true;
      resolvePromise(decode(Buffer.concat(chunks), response.headers["content-type"]));
    });
  });
}

function decode(bytes: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([\w.:-]{1,40})/i.exec(contentType ?? "")?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}
