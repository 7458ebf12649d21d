import { createHash } from "node:crypto";
import type { SourceRequest, SourceResult } from "./readSource.ts";

export interface SourcePoolOptions {
  /** Reads in flight at once, all hosts together. */
  concurrency?: number;
  /** Reads in flight at once to one host: a hanging site holds at most this many slots. */
  perHost?: number;
  /** The read itself: `readSource` with the fetch options bound. */
  read: (request: SourceRequest) => Promise<SourceResult>;
}

export interface SourcePool {
  /** Reads a source; an identical request already queued or in flight shares its result. */
  read(request: SourceRequest): Promise<SourceResult>;
  /** In flight and waiting, for tests and logs. */
  readonly active: number;
  readonly waiting: number;
}

interface Task {
  host: string;
  request: SourceRequest;
  resolve: (result: SourceResult) => void;
  key: string;
}

/** Requests that read the same thing the same way; the key is hashed, not kept as typed. */
function requestKey(request: SourceRequest): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        request.url,
        request.kind,
        request.field ?? null,
        request.apiKey ?? null,
        request.previous?.etag ?? null,
        request.previous?.lastModified ?? null,
      ]),
    )
    .digest("base64url");
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/**
 * Runs source reads under a global and a per-host cap. Waiting reads are queued per host and
 * started round the hosts in turn, so reads of a slow host never hold up other hosts' reads
 * while global slots are free.
 */
export function createSourcePool(options: SourcePoolOptions): SourcePool {
  // Sized by the bench (1,000 sources due in one minute on one site, 5 % hanging for the 5 s
  // deadline): 2 per host took minutes. Many distinct addresses on one host means a platform
  // (one petition's address is read once per round however many campaigns track it).
  const concurrency = options.concurrency ?? 32;
  const perHost = options.perHost ?? 16;
  const queues = new Map<string, Task[]>();
  const activeByHost = new Map<string, number>();
  const shared = new Map<string, Promise<SourceResult>>();
  let active = 0;
  let waiting = 0;

  function pump(): void {
    while (active < concurrency) {
      const host = [...queues.keys()].find(
        (candidate) => (activeByHost.get(candidate) ?? 0) < perHost,
      );
      if (host === undefined) return;
      const queue = queues.get(host) ?? [];
      const task = queue.shift();
      if (queue.length === 0) queues.delete(host);
      else {
        // Round robin: this host goes to the back of the line.
        queues.delete(host);
        queues.set(host, queue);
      }
      if (task === undefined) continue;
      waiting -= 1;
      start(task);
    }
  }

  function start(task: Task): void {
    active += 1;
    activeByHost.set(task.host, (activeByHost.get(task.host) ?? 0) + 1);
    const finish = (result: SourceResult) => {
      active -= 1;
      const left = (activeByHost.get(task.host) ?? 1) - 1;
      if (left === 0) activeByHost.delete(task.host);
      else activeByHost.set(task.host, left);
      shared.delete(task.key);
      task.resolve(result);
      pump();
    };
    options
      .read(task.request)
      .then(finish, () =>
        finish({ ok: false, reason: "network", kind: "page", displayUrl: "", host: task.host }),
      );
  }

  return {
    read(request) {
      const key = requestKey(request);
      const existing = shared.get(key);
      if (existing !== undefined) return existing;
      const host = hostOf(request.url);
      const promise = new Promise<SourceResult>((resolve) => {
        const queue = queues.get(host) ?? [];
        queue.push({ host, request, resolve, key });
        queues.set(host, queue);
        waiting += 1;
      });
      shared.set(key, promise);
      pump();
      return promise;
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiting;
    },
  };
}
