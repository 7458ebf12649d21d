/** The sandbox's dashboard: logged in through the local Discord's "log in as" page. */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { startDashboard, type Dashboard, type Rally } from "../app.ts";
import type { Config } from "../config.ts";
import type { LocalDiscord } from "../local-discord/localDiscord.ts";
import type { Logger } from "../log.ts";

/** The sandbox's port unless WEB_PORT says otherwise (or it is taken: then any free one). */
const sandboxWebPort = 8788;

function listening(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once("error", reject)
      .listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** Where the sandbox's dashboard listens, held from now on so that no other process takes it. */
export interface SandboxWebPort {
  port: number;
  server: Server;
}

/**
 * The dashboard's port, listened on at once (before Rally starts, so replies can name its
 * address): WEB_PORT, else 8788 when free, else any free port.
 */
export async function holdSandboxWebPort(config: Config): Promise<SandboxWebPort> {
  let server: Server;
  if (config.WEB_PORT !== undefined) server = await listening(config.WEB_PORT);
  else server = await listening(sandboxWebPort).catch(() => listening(0));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : sandboxWebPort;
  return { port, server };
}

export async function startSandboxDashboard(options: {
  config: Config;
  discord: LocalDiscord;
  token: string;
  db: Rally["db"];
  log: Logger;
  web: SandboxWebPort;
}): Promise<Dashboard> {
  const { config, discord, web } = options;
  return startDashboard({
    config: {
      ...config,
      WEB_PORT: web.port,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_CLIENT_ID: discord.applicationId,
      DISCORD_CLIENT_SECRET: discord.oauth2ClientSecret,
      // A new one each run: forms of pages from an earlier run ask for a reload, nothing more.
      SESSION_SECRET: randomBytes(32).toString("hex"),
    },
    token: options.token,
    db: options.db,
    log: options.log,
    server: web.server,
  });
}
