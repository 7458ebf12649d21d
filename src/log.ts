import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured logs, one JSON object a line. Tokens and text that users wrote never go in:
 * log ids, names of commands and outcomes, not message content.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "rally" },
      redact: {
        paths: ["token", "*.token", "authorization", "*.authorization"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
