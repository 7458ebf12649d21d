/** A server's organizer pages beyond its campaigns: one module each (docs/dashboard.md). */
import type { FastifyInstance } from "fastify";
import { registerAuditPages } from "./auditPage.ts";
import type { WebContext } from "./context.ts";
import { registerImportPages } from "./importPage.ts";
import { registerReviewPages } from "./reviewPage.ts";
import { registerSchedulePages } from "./schedulesPage.ts";
import { registerSettingsPages } from "./settingsPage.ts";
import { registerTaskBoardPages } from "./taskBoardPage.ts";

export function registerOrganizerPages(app: FastifyInstance, context: WebContext): void {
  registerTaskBoardPages(app, context);
  registerReviewPages(app, context);
  registerImportPages(app, context);
  registerSchedulePages(app, context);
  registerAuditPages(app, context);
  registerSettingsPages(app, context);
}
