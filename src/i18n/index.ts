import i18next from "i18next";
import en from "./locales/en.json" with { type: "json" };
import ru from "./locales/ru.json" with { type: "json" };
import uk from "./locales/uk.json" with { type: "json" };

/** Languages Rally speaks. A Discord locale outside this list falls back (member → server → English). */
export const languages = ["en", "ru", "uk"] as const;
export type Language = (typeof languages)[number];
const defaultLanguage: Language = "en";

type PluralSuffix = "zero" | "one" | "two" | "few" | "many" | "other";
type WithoutPlural<K extends string> = K extends `${infer Base}_${PluralSuffix}` ? Base : K;
type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string
    ? WithoutPlural<`${Prefix}${K}`>
    : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every message key, checked at compile time against the English file. */
export type MessageKey = Leaves<typeof en>;
export type MessageParams = Record<string, string | number>;

const i18n = i18next.createInstance();
void i18n.init({
  resources: { en: { translation: en }, ru: { translation: ru }, uk: { translation: uk } },
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: [...languages],
  initAsync: false,
  returnNull: false,
  showSupportNotice: false,
  interpolation: {
    // Discord is not HTML; markdown in user text is escaped by the renderers, where it is shown.
    escapeValue: false,
    // Numbers in the reader's format, as `translate` writes them (see formatParam).
    alwaysFormat: true,
    format: (value, _format, lng, options) =>
      formatParam(
        isLanguage(lng ?? "") ? (lng as Language) : defaultLanguage,
        String(options?.["interpolationkey"] ?? ""),
        value,
      ),
  },
});

const numberFormats = new Map(
  languages.map((language) => [language, new Intl.NumberFormat(language)]),
);

/**
 * A number given to a message is written in the language's own format ("1,332", "1 332"), so no
 * caller can forget to; an `id` (a campaign's or task's #number, an error id) is written as is,
 * since people type it back.
 */
function formatParam<T>(language: Language, name: string, value: T): T | string {
  if (typeof value !== "number" || name === "id") return value;
  return numberFormats.get(language)?.format(value) ?? String(value);
}

/**
 * i18next's own `t`, the reference: `translate` takes it wherever its fast path is not sure to
 * give the same text (a key missing in the language, an option name among the parameters).
 */
export function translateWithI18next(
  language: Language,
  key: string,
  params: MessageParams = {},
): string {
  return i18n.t(key, { ...params, lng: language });
}

/**
 * Rally's messages use only `{{name}}` placeholders and plural forms chosen by `count`, so most
 * calls are a map lookup and a string join: i18next's `t` cost ~15 µs a call, a few hundred µs
 * an interaction. test/unit/i18n.test.ts checks that both give the same text for every key.
 */
export function translate(language: Language, key: MessageKey, params: MessageParams = {}): string {
  const template = templateFor(language, key, params);
  if (template === undefined) return translateWithI18next(language, key, params);
  let text = "";
  for (const part of template) {
    if (typeof part === "string") text += part;
    else if (part.name in params)
      text += String(formatParam(language, part.name, params[part.name]) ?? "");
    else text += part.raw;
  }
  return text;
}

type TemplatePart = string | { name: string; raw: string };
const resources: Record<Language, Map<string, string>> = {
  en: flatten(en),
  ru: flatten(ru),
  uk: flatten(uk),
};
const pluralRules = new Map(
  languages.map((language) => [language, new Intl.PluralRules(language)]),
);
const templates = new Map<string, TemplatePart[]>();
/** Parameter names that are options to i18next, not values: left to i18next itself. */
const optionNames = new Set(["context", "defaultValue", "lng", "lngs", "ns", "ordinal", "replace"]);

function templateFor(
  language: Language,
  key: string,
  params: MessageParams,
): TemplatePart[] | undefined {
  for (const name in params) if (optionNames.has(name)) return undefined;
  const strings = resources[language];
  const count = params["count"];
  let resolved = key;
  if (typeof count === "number") {
    const plural = `${key}_${pluralRules.get(language)?.select(count) ?? "other"}`;
    if (strings.has(plural)) resolved = plural;
    else if (strings.has(`${key}_other`)) return undefined;
  }
  const cacheKey = `${language}\u0000${resolved}`;
  const cached = templates.get(cacheKey);
  if (cached) return cached;
  const source = strings.get(resolved);
  if (source === undefined) return undefined;
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of source.matchAll(/{{(.+?)}}/g)) {
    parts.push(source.slice(last, match.index));
    parts.push({ name: (match[1] ?? "").trim(), raw: match[0] });
    last = match.index + match[0].length;
  }
  parts.push(source.slice(last));
  templates.set(cacheKey, parts);
  return parts;
}

function flatten(tree: object, prefix = "", into = new Map<string, string>()): Map<string, string> {
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === "string") into.set(`${prefix}${name}`, value);
    else if (typeof value === "object" && value !== null) flatten(value, `${prefix}${name}.`, into);
  }
  return into;
}

export function isLanguage(value: string): value is Language {
  return (languages as readonly string[]).includes(value);
}

/** Maps a Discord locale ("en-US", "ru", "uk") to a language Rally speaks, or the fallback. */
export function languageFor(locale: string | null | undefined, fallback: Language): Language {
  const base = locale?.toLowerCase().split("-")[0] ?? "";
  return isLanguage(base) ? base : fallback;
}

/** A translator bound to one language, handed to renderers. */
export type Translator = (key: MessageKey, params?: MessageParams) => string;

export function translator(language: Language): Translator {
  return (key, params) => translate(language, key, params);
}
