import type { Volunteer } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** A member's row in a server; null until they change a choice or claim. */
export function findVolunteer(
  store: Store,
  guildId: string,
  userId: string,
): Promise<Volunteer | null> {
  return prismaOf(store).volunteer.findUnique({
    where: { guildId_userId: { guildId, userId } },
  });
}

type VolunteerChoices = Partial<Pick<Volunteer, "creditPublic" | "remindersEnabled" | "dmsClosed">>;

/** Writes a member's choices, creating their row on the first one. */
export async function saveVolunteerChoices(
  store: Store,
  guildId: string,
  userId: string,
  choices: VolunteerChoices,
): Promise<void> {
  await prismaOf(store).volunteer.upsert({
    where: { guildId_userId: { guildId, userId } },
    create: { guildId, userId, ...choices },
    update: choices,
  });
}

/** Of these members, the ids of those who chose public credit in this server, in id order. */
export async function listPubliclyCreditedUserIds(
  store: Store,
  guildId: string,
  ids: readonly string[],
): Promise<string[]> {
  const credited = await prismaOf(store).volunteer.findMany({
    where: { guildId, userId: { in: [...ids] }, creditPublic: true },
    select: { userId: true },
    orderBy: { userId: "asc" },
  });
  // In id order here: with DATA_KEY the database orders the sealed values (src/db/secrets.ts).
  return credited.map((volunteer) => volunteer.userId).sort();
}
