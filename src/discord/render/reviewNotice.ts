import { translator, type Language } from "../../i18n/index.ts";
import { taskLimits } from "../../domain/taskFields.ts";
import { showText, shorten } from "./text.ts";

/** What a volunteer reads when their work was not accepted, from Discord or the dashboard. */
export function rejectedNoticeText(language: Language, title: string, reason: string): string {
  return translator(language)("task.rejectedNotice", {
    title: showText(title, 100),
    reason: showText(shorten(reason, taskLimits.rejectReason), 400),
  });
}

/** The DM outbox's key of that notice: a claim is rejected once, so it is told once. */
export function rejectedNoticeKey(claimId: number): string {
  return `rejected:${claimId}`;
}
