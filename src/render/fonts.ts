import { createRequire } from "node:module";
import { GlobalFonts } from "@napi-rs/canvas";

/** The one family every rendered picture uses; never a font installed on the machine. */
const fontFamily = "Rally Sans";

const subsets = ["latin", "cyrillic"] as const;
const weights = [400, 700] as const;

let registered = false;

/**
 * Registers the bundled Noto Sans (regular and bold, Latin and Cyrillic subsets) under one
 * family name, once per process, and returns that name for `ctx.font` and Chart.js options.
 * Files are resolved through the package, so this works from any working directory.
 */
export function registerFonts(): string {
  if (registered) return fontFamily;
  const require = createRequire(import.meta.url);
  for (const subset of subsets) {
    for (const weight of weights) {
      const file = require.resolve(
        `@fontsource/noto-sans/files/noto-sans-${subset}-${weight}-normal.woff2`,
      );
      if (!GlobalFonts.registerFromPath(file, fontFamily)) {
        throw new Error(`Could not register font file ${file}`);
      }
    }
  }
  registered = true;
  return fontFamily;
}
