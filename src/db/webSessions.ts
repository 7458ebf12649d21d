import { prismaOf, type Store } from "./store.ts";

/** A dashboard session by the hash of its cookie's token; null when unknown or expired. */
export async function findLiveWebSession(
  store: Store,
  tokenHash: string,
  now: Date,
): Promise<{ userId: string; guildIds: string; expiresAt: Date } | null> {
  return prismaOf(store).webSession.findFirst({
    where: { tokenHash, expiresAt: { gt: now } },
    select: { userId: true, guildIds: true, expiresAt: true },
  });
}

export async function insertWebSession(
  store: Store,
  row: { tokenHash: string; userId: string; guildIds: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await prismaOf(store).webSession.create({ data: row });
}

export async function deleteWebSession(store: Store, tokenHash: string): Promise<void> {
  await prismaOf(store).webSession.deleteMany({ where: { tokenHash } });
}

/** Every dashboard session of a member (/me forget logs them out everywhere). */
export async function deleteWebSessionsOfUser(store: Store, userId: string): Promise<void> {
  await prismaOf(store).webSession.deleteMany({ where: { userId } });
}

/**
 * Every dashboard session that found its member organizing this server (/settings purge): they
 * log in again, and their sessions no longer name the server.
 */
export async function deleteWebSessionsOfGuild(store: Store, guildId: string): Promise<number> {
  const { count } = await prismaOf(store).webSession.deleteMany({
    where: {
      OR: [
        { guildIds: guildId },
        { guildIds: { startsWith: `${guildId},` } },
        { guildIds: { endsWith: `,${guildId}` } },
        { guildIds: { contains: `,${guildId},` } },
      ],
    },
  });
  return count;
}

/** Sessions and login states past their expiry. */
export async function deleteExpiredWebRows(store: Store, now: Date): Promise<void> {
  const prisma = prismaOf(store);
  await prisma.webSession.deleteMany({ where: { expiresAt: { lte: now } } });
  await prisma.webLoginState.deleteMany({ where: { expiresAt: { lte: now } } });
}

export async function insertWebLoginState(
  store: Store,
  row: { stateHash: string; next: string; expiresAt: Date },
): Promise<void> {
  await prismaOf(store).webLoginState.create({ data: row });
}

/**
 * Takes a login state once: the delete that finds it is the one that may use it, so a replayed
 * or concurrent second callback with the same state finds nothing. Null when unknown or expired.
 */
export async function takeWebLoginState(
  store: Store,
  stateHash: string,
  now: Date,
): Promise<{ next: string } | null> {
  const prisma = prismaOf(store);
  const row = await prisma.webLoginState.findUnique({ where: { stateHash } });
  if (!row) return null;
  const { count } = await prisma.webLoginState.deleteMany({ where: { stateHash } });
  if (count !== 1 || row.expiresAt <= now) return null;
  return { next: row.next };
}
