import { readFileSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const fixtures = join(import.meta.dirname, "..", "fixtures", "sources");
export const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");

export interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface PetitionServer {
  /** http://127.0.0.1:PORT (or the host it listens on) */
  origin: string;
  port: number;
  seen: SeenRequest[];
  /** Bytes the 50 MB route has written so far. */
  hugeBytesWritten: () => number;
  /** What `/live.json` answers: `{ "count": n }`, HTTP 503 when "down", nothing when "hang". */
  live: { count: number | "down" | "hang" };
  close: () => Promise<void>;
}

const html = (body: string) => `<!DOCTYPE html><html><body>${body}</body></html>`;

/**
 * A local petition site: the fixtures, and the hostile cases a real one could be. `/redirect?to=`
 * answers 302 to any URL; `/chain/N` redirects N times before answering JSON.
 */
export async function startPetitionServer(host = "127.0.0.1"): Promise<PetitionServer> {
  const seen: SeenRequest[] = [];
  let hugeBytes = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const live: { count: number | "down" | "hang" } = { count: 0 };
  const send = (response: ServerResponse, type: string, body: string | Buffer, extra = {}) => {
    response.writeHead(200, { "content-type": type, ...extra });
    response.end(body);
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://local");
    seen.push({ path: url.pathname + url.search, headers: request.headers });
    const path = url.pathname;
    if (path === "/live.json") {
      if (live.count === "hang") return;
      if (live.count === "down") {
        response.writeHead(503, { "content-type": "text/plain" });
        return response.end("down for maintenance");
      }
      return send(response, "application/json", JSON.stringify({ count: live.count }));
    }
    if (path === "/petitions/700001.json") {
      return send(response, "application/json", fixture("uk-parliament-petition.json"));
    }
    if (path.startsWith("/api/v2/petitions/")) {
      const to = url.searchParams.get("to");
      if (to !== null) {
        response.writeHead(302, { location: to });
        return response.end();
      }
      return send(response, "application/json", fixture("action-network-petition.json"));
    }
    if (path === "/petitions/PXMPLE")
      return send(response, "text/html", fixture("resistbot-petition.html"));
    if (path === "/p/protect-the-millbrook-wetlands") {
      return send(response, "text/html; charset=utf-8", fixture("change-org-petition.html"));
    }
    if (path === "/no-number")
      return send(response, "text/html", html("<p>Sign now! Every voice counts.</p>"));
    if (path === "/russian") {
      return send(
        response,
        "text/html; charset=utf-8",
        html("<p>Подписали:&nbsp;<b>1&#8239;204</b></p>"),
      );
    }
    if (path === "/german") return send(response, "text/html", html("<p><b>1.204</b> so far</p>"));
    if (path === "/spaced") return send(response, "text/html", html("<p>1&nbsp;204 so far</p>"));
    if (path === "/count.json") {
      return send(
        response,
        "application/json",
        JSON.stringify({ petition: { signatureCount: { total: "1,204" } } }),
      );
    }
    if (path === "/etag") {
      if (request.headers["if-none-match"] === '"v1"') {
        response.writeHead(304, { etag: '"v1"' });
        return response.end();
      }
      return send(response, "application/json", JSON.stringify({ count: 5 }), {
        etag: '"v1"',
        "last-modified": "Mon, 07 Dec 2026 14:00:00 GMT",
      });
    }
    if (path === "/huge") {
      // 50 MB, chunked, written only as fast as the client reads.
      response.writeHead(200, { "content-type": "text/html" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      const total = 50 * 1024 * 1024;
      const pump = () => {
        while (hugeBytes < total) {
          hugeBytes += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        response.end();
      };
      response.on("close", () => response.removeAllListeners("drain"));
      return pump();
    }
    if (path === "/huge-declared") {
      response.writeHead(200, {
        "content-type": "text/html",
        "content-length": String(50 * 1024 * 1024),
      });
      return response.write("a");
    }
    if (path === "/gzip-bomb") {
      return send(response, "text/html", gzipSync(Buffer.alloc(10 * 1024 * 1024, " ")), {
        "content-encoding": "gzip",
      });
    }
    if (path === "/gzip") {
      return send(response, "text/html", gzipSync(html("<p>42 so far</p>")), {
        "content-encoding": "gzip",
      });
    }
    if (path === "/hang") return; // never answers
    if (path === "/trickle") {
      response.writeHead(200, { "content-type": "text/html" });
      const timer = setInterval(() => response.write("1"), 20);
      timers.add(timer);
      response.on("close", () => clearInterval(timer));
      return;
    }
    if (path === "/redirect") {
      response.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
      return response.end();
    }
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (chain !== null) {
      const left = Number(chain[1]);
      if (left === 0) return send(response, "application/json", JSON.stringify({ count: 7 }));
      response.writeHead(301, { location: `/chain/${left - 1}` });
      return response.end();
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found");
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    port,
    seen,
    hugeBytesWritten: () => hugeBytes,
    live,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
