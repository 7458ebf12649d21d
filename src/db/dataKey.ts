/**
 * DATA_KEY at start: the process's key is set before the database opens, and a database whose
 * values were sealed with another key (or with a key now missing) is refused, so Rally never
 * runs showing ciphertext, or failing at the first proof it reads.
 */
import {
  currentDataKeyId,
  DataKeyError,
  memberIdFields,
  memberIdsNotUnder,
  open,
  openMemberId,
  parseDataKey,
  sealedKeyId,
  sealedMemberKeyId,
  secretFields,
  useDataKey,
  type DataKey,
} from "./secrets.ts";
import type { Store } from "./store.ts";

/** Rally cannot start with this database and this DATA_KEY; the message is one line, no value. */
export class DataKeyRefusal extends Error {}

/** The DATA_KEY of the configuration as this process's key (none: values are written plain). */
export function applyDataKey(base64: string | undefined): DataKey | null {
  const key = base64 === undefined ? null : parseDataKey(base64);
  if (base64 !== undefined && !key) throw new DataKeyRefusal("DATA_KEY is not 32 bytes of base64.");
  useDataKey(key);
  return key;
}

type Where = Record<string, unknown>;

const delegateOf = (model: string) => `${model[0]?.toLowerCase() ?? ""}${model.slice(1)}`;

/** One stored value of each encrypted field matching `where`, read raw (not opened). */
async function findStoredValues(
  store: Store,
  where: (field: string, model: string) => Where,
  of: Record<string, readonly string[]> = secretFields,
): Promise<string[]> {
  // The raw rows: prismaOf would open them, and a wrong key must be seen, not thrown at random.
  const q = store as unknown as Record<string, { findFirst(args: object): Promise<unknown> }>;
  const lookups: Promise<string | null>[] = [];
  for (const [model, fields] of Object.entries(of)) {
    for (const field of fields) {
      lookups.push(
        q[delegateOf(model)]!.findFirst({
          where: where(field, model),
          select: { [field]: true },
        }).then((row) => (row as Record<string, string | null> | null)?.[field] ?? null),
      );
    }
  }
  return (await Promise.all(lookups)).filter((value): value is string => value !== null);
}

/**
 * Refuses (DataKeyRefusal) a database holding values sealed with a key other than the
 * current one, or whose values under the current key id fail their check.
 */
export async function checkDataKey(store: Store): Promise<void> {
  const current = currentDataKeyId();
  const foreign = await findStoredValues(store, (field) => ({
    AND: [
      { [field]: { startsWith: "enc:v1:" } },
      ...(current ? [{ NOT: { [field]: { startsWith: `enc:v1:${current}:` } } }] : []),
    ],
  }));
  const foreignMembers = await findStoredValues(
    store,
    (field) => ({
      AND: [
        { [field]: { startsWith: "enc:m1:" } },
        ...(current ? [{ NOT: { [field]: { startsWith: `enc:m1:${current}:` } } }] : []),
      ],
    }),
    memberIdFields,
  );
  const [other] = [...foreign, ...foreignMembers];
  if (other !== undefined) {
    const id = sealedKeyId(other) ?? sealedMemberKeyId(other) ?? "unknown";
    throw new DataKeyRefusal(
      current
        ? `The database holds values encrypted with another key (id ${id}) than DATA_KEY (id ${current}): set the right DATA_KEY, or rotate with npm run data:rotate-key (RELIABILITY.md).`
        : `The database holds values encrypted with a key (id ${id}), and DATA_KEY is not set: set it (RELIABILITY.md).`,
    );
  }
  if (!current) return;
  // Member ids written before the key would no longer be found by the sealed ids lookups use
  // (a volunteer's old claims): the rotation seals them, and Rally waits for it.
  const plainMembers = await findStoredValues(
    store,
    (field, model) => memberIdsNotUnder(model, field, "enc:m1:") as Where,
    memberIdFields,
  );
  if (plainMembers.length > 0)
    throw new DataKeyRefusal(
      "The database holds member ids stored in clear, from before DATA_KEY: stop Rally and run npm run data:rotate-key once (RELIABILITY.md).",
    );
  const underKey = await findStoredValues(store, (field) => ({
    [field]: { startsWith: `enc:v1:${current}:` },
  }));
  const membersUnderKey = await findStoredValues(
    store,
    (field) => ({ [field]: { startsWith: `enc:m1:${current}:` } }),
    memberIdFields,
  );
  for (const value of [...underKey, ...membersUnderKey]) {
    try {
      if (value.startsWith("enc:m1:")) openMemberId(value);
      else open(value);
    } catch (error) {
      if (!(error instanceof DataKeyError)) throw error;
      throw new DataKeyRefusal(
        `The database holds values under DATA_KEY's id (${current}) that fail their check: a damaged database or key (RELIABILITY.md).`,
      );
    }
  }
}
