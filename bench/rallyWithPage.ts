/**
 * The bench's Rally with the public pages in the same process (bench/run.ts, part "webpage"):
 * what `npm start` runs, plus the page plugin on 127.0.0.1:BENCH_WEB_PORT, on the same event loop
 * and database handle, so that the page's load is felt by the interactions as it would be.
 */
import Fastify from "fastify";
import { startRally } from "../src/app.ts";
import { loadConfigOrExit } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { registerPublicPages } from "../src/web/publicPages.ts";

const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL);
const port = Number(process.env["BENCH_WEB_PORT"]);
const rally = await startRally({ config, token: config.DISCORD_TOKEN ?? "", log });
const web = Fastify();
registerPublicPages(web, { db: rally.db, publicUrl: `http://127.0.0.1:${port}` });
await web.listen({ host: "127.0.0.1", port });
log.info({ port }, "public pages listening");
process.once("SIGTERM", () => {
  web
    .close()
    .then(() => rally.stop())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
