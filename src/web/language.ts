import { languages, type Language } from "../i18n/index.ts";

/**
 * The reader's language among Rally's, from Accept-Language ("uk-UA,uk;q=0.9,en;q=0.8"): the
 * first one Rally speaks by the reader's order of preference, else the fallback.
 */
export function readerLanguage(acceptLanguage: string | undefined, fallback: Language): Language {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = Number(/^\s*q=([\d.]+)/.exec(params.join(";"))?.[1] ?? "1");
      return { base: tag.toLowerCase().split("-")[0] ?? "", q: Number.isNaN(q) ? 0 : q, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const found = ranked.find((entry) => (languages as readonly string[]).includes(entry.base));
  return (found?.base as Language | undefined) ?? fallback;
}
