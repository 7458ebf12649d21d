/**
 * What the organizer pages of one server share: their navigation, form fields, and the 404 that
 * a refusal about another server's (or a made-up) id becomes, as in the slash commands.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { UserError } from "../domain/errors.ts";
import type { OrganizedServer } from "./access.ts";
import { NotFound } from "./context.ts";
import { html, type Html } from "./html.ts";
import { sendPage } from "./layout.ts";

export const organizerSections = [
  "campaigns",
  "tasks",
  "review",
  "import",
  "schedules",
  "audit",
  "settings",
] as const;
export type OrganizerSection = (typeof organizerSections)[number];

export function sectionPath(guildId: string, section: OrganizerSection): string {
  return section === "campaigns" ? `/g/${guildId}` : `/g/${guildId}/${section}`;
}

/** The navigation between a server's pages, the current one marked. */
export function organizerNav(
  request: FastifyRequest,
  guildId: string,
  current: OrganizerSection | null,
) {
  const { t } = request.reader;
  return organizerSections.map((section) => ({
    href: sectionPath(guildId, section),
    label: t(`web.nav.${section}`),
    current: section === current,
  }));
}

/** A page of one of a server's sections, with its crumbs and navigation. */
export function sendOrganizerPage(
  request: FastifyRequest,
  reply: FastifyReply,
  server: OrganizedServer,
  section: OrganizerSection,
  content: { title: string; body: Html },
  status = 200,
): FastifyReply {
  const { t } = request.reader;
  return sendPage(
    request,
    reply,
    {
      ...content,
      crumbs: [
        { href: "/", label: t("web.home.title") },
        { href: `/g/${server.guildId}`, label: server.guildName },
      ],
      nav: organizerNav(request, server.guildId, section),
    },
    status,
  );
}

/** A text field of a posted form ("" when absent). */
export function formText(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value.trim() : "";
}

/** Every value of a repeated field (checkboxes). */
export function formList(request: FastifyRequest, name: string): string[] {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

export function queryText(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value.trim() : "";
}

/** A number people type or a form carries (a campaign's #, a claim's id); anything else is 404. */
export function idOr404(text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new NotFound();
  return Number(text);
}

/**
 * The domain's "not found" refusals (a task, claim, schedule or campaign that is not this
 * server's) are 404 here, as the slash commands refuse them without saying whether they exist.
 */
export async function notFoundFor<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError && keys.includes(error.key)) throw new NotFound();
    throw error;
  }
}

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}" />`;
}

/** A member by the name they show in the server, or their id when Discord does not say. */
export async function memberNames(
  lookup: (userId: string) => Promise<string | null>,
  userIds: readonly (string | null)[],
): Promise<Map<string, string>> {
  const ids = [...new Set(userIds.filter((id): id is string => id !== null))];
  const names = await Promise.all(ids.map(async (id) => [id, (await lookup(id)) ?? id] as const));
  return new Map(names);
}
