/**
 * The rows src/db returns, as plain types: what the domain and Discord code may know of
 * storage. Types only, so nothing outside src/db loads Prisma's generated client.
 */
export type {
  AuditEntry,
  Campaign,
  Claim,
  CountEntry,
  CountSource,
  DirectMessage,
  DueJob,
  GuildSettings,
  OutreachTask,
  SummaryPost,
  SummarySchedule,
  Volunteer,
} from "./generated/client.ts";
export type { ListedTask, TaskWithCampaign } from "./sqliteReads.ts";
