/** The sandbox's dashboard: logged in through the local Discord's "log in as" page. */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { startDashboard, type Dashboard, type Rally } from "../app.ts";
import type { Config } from "../config.ts";
import type { LocalDiscord } from "../local-discord/localDiscord.ts";
import type { Logger } from "../log.ts";

/** The sandbox's port unless WEB_PORT says otherwise (or it is taken: then any free one). */
const sandboxWebPort = 8788;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const address = probe.address();
        const port = typeof address === "object" && address ? address.port : 0;
        probe.close(() => resolve(port));
      });
  });
}

/** The port the sandbox's dashboard will listen on: WEB_PORT, else 8788 when free, else any. */
export async function pickSandboxWebPort(config: Config): Promise<number> {
  return config.WEB_PORT ?? ((await portIsFree(sandboxWebPort)) ? sandboxWebPort : anyFreePort());
}

export async function startSandboxDashboard(options: {
  config: Config;
  discord: LocalDiscord;
  token: string;
  db: Rally["db"];
  log: Logger;
}): Promise<Dashboard> {
  const { config, discord } = options;
  const port = await pickSandboxWebPort(config);
  return startDashboard({
    config: {
      ...config,
      WEB_PORT: port,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_CLIENT_ID: discord.applicationId,
      DISCORD_CLIENT_SECRET: discord.oauth2ClientSecret,
      // A new one each run: forms of pages from an earlier run ask for a reload, nothing more.
      SESSION_SECRET: randomBytes(32).toString("hex"),
    },
    token: options.token,
    db: options.db,
    log: options.log,
  });
}
