import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The form token of a session: an HMAC of the session (its token's hash) under SESSION_SECRET.
 * A page from another site cannot read it, and it is worthless with any other session, so a
 * forged POST fails even when the browser sends the cookie.
 */
export function csrfToken(sessionSecret: string, sessionTokenHash: string): string {
  return createHmac("sha256", sessionSecret).update(`csrf:${sessionTokenHash}`).digest("base64url");
}

export function isValidCsrfToken(
  sessionSecret: string,
  sessionTokenHash: string,
  submitted: unknown,
): boolean {
  if (typeof submitted !== "string") return false;
  const expected = Buffer.from(csrfToken(sessionSecret, sessionTokenHash));
  const given = Buffer.from(submitted);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
