import type { MessageKey, MessageParams } from "../i18n/index.ts";

/**
 * A refusal the member caused and can act on (bad input, no right, nothing found). The
 * dispatcher turns it into an ephemeral message in the member's language; nothing is logged
 * as an error.
 */
export class UserError extends Error {
  constructor(
    readonly key: MessageKey,
    readonly params: MessageParams = {},
  ) {
    super(key);
    this.name = "UserError";
  }
}
