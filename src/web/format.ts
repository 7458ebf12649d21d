import type { Language } from "../i18n/index.ts";

export function formatCount(value: number, language: Language): string {
  return new Intl.NumberFormat(language).format(value);
}

/** A moment in the server's time zone, in the reader's language. */
export function formatWhen(at: Date, language: Language, timeZone: string): string {
  return new Intl.DateTimeFormat(language, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(at);
}
