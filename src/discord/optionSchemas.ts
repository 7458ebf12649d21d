import { z } from "zod";

/** Zero-width and other invisible format characters do not make a title non-empty. */
function visible(text: string): string {
  return text.replace(/[\p{White_Space}\p{Cf}]/gu, "");
}

/** Free text a member typed: trimmed, not blank, at most `max` characters (code points). */
export function text(max: number) {
  return z
    .string()
    .transform((value) => value.trim())
    .refine((value) => visible(value).length > 0, "validation.blank")
    .refine((value) => [...value].length <= max, {
      message: "validation.tooLong",
      params: { max },
    });
}

export function optionalText(max: number) {
  return text(max).optional();
}

/** An http(s) address; `javascript:` and other schemes are refused. */
export const httpUrl = z
  .string()
  .trim()
  .max(512, "validation.tooLong")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.includes(".");
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
