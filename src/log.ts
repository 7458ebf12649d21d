import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured logs, one JSON object a line. Tokens and text that users wrote never go in:
 * log ids, names of commands and outcomes, not message content.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: "rally" }, serializers: { err: errorForLog } }, destination);
}

/** An interaction's or a webhook's token in a URL lets whoever reads it answer as the bot. */
const tokenInUrl = /(\/(?:interactions|webhooks)\/\d+\/)[^/?#]+/g;

/**
 * An error as pino writes it, minus what a failed Discord request carries: the token in its URL
 * and the body Rally sent (`requestBody`: members' own words, as they were to be posted).
 * Copies, so the error itself is left as it was.
 */
function errorForLog(error: unknown): unknown {
  return withoutSecrets(stdSerializers.err(error as Error), 0);
}

function withoutSecrets(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null || depth > 6) return value;
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "requestBody") continue;
    copy[key] =
      key === "url" && typeof inner === "string"
        ? inner.replace(tokenInUrl, "$1[redacted]")
        : withoutSecrets(inner, depth + 1);
  }
  return copy;
}
