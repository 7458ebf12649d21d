import { isLanguage, type Language } from "../i18n/index.ts";

/**
 * The reader's language among those Rally speaks, from Accept-Language ("uk-UA,uk;q=0.9,en;q=0.8"):
 * the highest q-value wins, the first listed among equals; q=0 means "not this one". `fallback`
 * (the server's language) when none is spoken here.
 */
export function readerLanguage(header: string | undefined, fallback: Language): Language {
  if (!header) return fallback;
  let best: Language | undefined;
  let bestQuality = 0;
  // A browser sends a handful; a longer list is cut rather than parsed at length.
  for (const range of header.split(",", 32)) {
    const [tag = "", ...parameters] = range.split(";");
    let quality = 1;
    for (const parameter of parameters) {
      const match = /^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$/i.exec(parameter);
      if (match) quality = Number(match[1]);
    }
    const base = tag.trim().toLowerCase().split("-")[0] ?? "";
    if (quality > bestQuality && isLanguage(base)) {
      best = base;
      bestQuality = quality;
    }
  }
  return best ?? fallback;
}
