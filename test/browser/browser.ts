/**
 * The browser the browser tests drive: Debian's chromium (apt-get install chromium), or the one
 * CHROMIUM_PATH names. Without it the browser tests are skipped and `npm test` says so once.
 */
import { existsSync } from "node:fs";

export const chromiumPath = process.env["CHROMIUM_PATH"] || "/usr/bin/chromium";
export const hasChromium = existsSync(chromiumPath);
