import * as z from "zod";

/** Zero-width and other invisible format characters do not make a title non-empty. */
function visible(text: string): string {
  return text.replace(/[\p{White_Space}\p{Cf}]/gu, "");
}

/**
 * Free text a member typed: trimmed, not blank, at most `max` characters (code points). NUL is
 * dropped: invisible, and PostgreSQL refuses it in text (SQLite would keep it).
 */
export function text(max: number) {
  return z
    .string()
    .transform((value) => value.replaceAll("\u0000", "").trim())
    .refine((value) => visible(value).length > 0, "validation.blank")
    .refine((value) => [...value].length <= max, {
      message: "validation.tooLong",
      params: { max },
    });
}

export function optionalText(max: number) {
  return text(max).optional();
}

/**
 * An http(s) address with a dotted host, in one piece (no spaces, line breaks, quotes or angle
 * brackets, which would break an embed URL or a `<link>`); `javascript:` and other schemes are
 * refused, and so is a lone surrogate, which a QR code cannot encode.
 */
export const httpUrl = z
  .string()
  .trim()
  .max(512, "validation.tooLong")
  .refine((value) => {
    if (!/^https?:\/\/[^\s<>"`\\\p{Cc}\p{Cs}]+$/iu.test(value)) return false;
    // The host as typed (after any user info, before any port): the URL parser would turn
    // "http://0" into "0.0.0.0".
    const authority = value.replace(/^https?:\/\//i, "").split(/[/?#]/)[0] ?? "";
    const typedHost = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "");
    try {
      const url = new URL(value);
      const labels = url.hostname.replace(/\.$/, "").split(".");
      const typedLabels = typedHost.replace(/\.$/, "").split(".");
      // A host ending in a number is an IPv4 address: only the full dotted quad is taken.
      if (/^\d+$/.test(typedLabels.at(-1) ?? "") && typedLabels.length !== 4) return false;
      return (
        (url.protocol === "https:" || url.protocol === "http:") &&
        typedHost.includes(".") &&
        labels.length >= 2 &&
        labels.every((label) => label.length > 0)
      );
    } catch {
      return false;
    }
  }, "validation.url");

export function integer(min: number, max: number) {
  return z
    .number()
    .int("validation.invalid")
    .min(min, "validation.integerMin")
    .max(max, "validation.integerMax");
}

export const snowflake = z.string().regex(/^\d{17,20}$/, "validation.invalid");
