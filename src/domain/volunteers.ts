import type { Store } from "../db/store.ts";
import { findVolunteer, saveVolunteerChoices } from "../db/volunteers.ts";
import { languageFor, type Language } from "../i18n/index.ts";
import { getGuildSettings, settingsLanguage } from "./guildSettings.ts";

interface VolunteerView {
  creditPublic: boolean;
  remindersEnabled: boolean;
  dmsClosed: boolean;
  lastLocale: string | null;
}

/** A member's own choices; anonymous and reminded by default, without a write. */
export async function getVolunteer(
  db: Store,
  guildId: string,
  userId: string,
): Promise<VolunteerView> {
  const row = await findVolunteer(db, guildId, userId);
  return {
    creditPublic: row?.creditPublic ?? false,
    remindersEnabled: row?.remindersEnabled ?? true,
    dmsClosed: row?.dmsClosed ?? false,
    lastLocale: row?.lastLocale ?? null,
  };
}

/** The language is noted by a claim (src/db/claimSlot.ts), not here. */
type VolunteerChange = Partial<Omit<VolunteerView, "lastLocale">>;

function updateVolunteer(db: Store, guildId: string, userId: string, data: VolunteerChange) {
  return saveVolunteerChoices(db, guildId, userId, data);
}

export function setCredit(db: Store, guildId: string, userId: string, creditPublic: boolean) {
  return updateVolunteer(db, guildId, userId, { creditPublic });
}

/** Turning reminders on also forgets a past DM refusal: the member is asking to hear from us. */
export function setReminders(
  db: Store,
  guildId: string,
  userId: string,
  remindersEnabled: boolean,
) {
  return updateVolunteer(db, guildId, userId, {
    remindersEnabled,
    ...(remindersEnabled ? { dmsClosed: false } : {}),
  });
}

/** Discord refused a DM (50007): stop trying until the member acts again. */
export function markDmsClosed(db: Store, guildId: string, userId: string) {
  return updateVolunteer(db, guildId, userId, { dmsClosed: true });
}

/** The language to write to a member in: their last interaction's, else the server's. */
export async function volunteerLanguage(
  db: Store,
  guildId: string,
  userId: string,
): Promise<Language> {
  const [volunteer, settings] = await Promise.all([
    getVolunteer(db, guildId, userId),
    getGuildSettings(db, guildId),
  ]);
  return languageFor(volunteer.lastLocale, settingsLanguage(settings));
}
