import i18next from "i18next";
import en from "./locales/en.json" with { type: "json" };
import ru from "./locales/ru.json" with { type: "json" };
import uk from "./locales/uk.json" with { type: "json" };

/** Languages Rally speaks. A Discord locale outside this list falls back (member → server → English). */
export const languages = ["en", "ru", "uk"] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = "en";

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
  // Discord is not HTML; markdown in user text is escaped by the renderers, where it is shown.
  interpolation: { escapeValue: false },
});

export function translate(language: Language, key: MessageKey, params: MessageParams = {}): string {
  return i18n.t(key, { ...params, lng: language });
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
