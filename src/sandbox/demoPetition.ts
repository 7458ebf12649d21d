import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nowMs } from "../clock.ts";

export interface DemoPetition {
  /** The page's address, for `/campaign source set … url:` */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A demo petition page on 127.0.0.1 for the sandbox, so `/campaign source set` can be tried
 * offline: it reads like a Resistbot page and gains a few signers every minute.
 */
export async function startDemoPetition(started = nowMs()): Promise<DemoPetition> {
  const server: Server = createServer((request, response) => {
    if (!request.url?.startsWith("/petition")) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found");
      return;
    }
    const count = 332 + 7 * Math.floor((nowMs() - started) / 60_000);
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(
      `<!DOCTYPE html><html><head><title>Free political prisoners</title></head><body>` +
        `<h1>Free political prisoners</h1><p><b>${count.toLocaleString("en-US")}</b> so far! ` +
        `Help us get to <b>500</b> signers!</p></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/petition`,
    host: "127.0.0.1",
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
