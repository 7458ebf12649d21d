/**
 * Where a login returns to: one of the app's own paths ("/g/1/c/2"), never another site. "//x"
 * and "/\x" are read by browsers as another host, and control characters can turn into either,
 * so anything but a plain absolute path becomes "/".
 */
export function safeNext(value: unknown): string {
  if (typeof value !== "string" || value.length > 512) return "/";
  if (!value.startsWith("/") || value.startsWith("//")) return "/";
  // Backslashes and control characters (tab, newline) are where open redirects hide.
  if ([...value].some((char) => char === "\\" || char <= "\u001f" || char === "\u007f"))
    return "/";
  return value;
}
