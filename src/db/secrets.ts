/**
 * Encryption at rest (#25): with DATA_KEY, the fields that tie a person to a place or a proof
 * are stored as `enc:v1:<keyId>:<nonce>:<ciphertext+tag>` (AES-256-GCM, a fresh 12-byte nonce
 * each time), sealed on the way in and opened on the way out inside src/db, so the domain only
 * ever sees plain text. Without a key values are written plain, and a plain value (no `enc:`
 * prefix) always reads as itself, so these fields need no migration when the key is turned on.
 * Member ids (below) do: they are looked up by their sealed value, so plain ones are sealed by
 * `npm run data:rotate-key` first (src/db/dataKey.ts refuses to start until then).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/** The encrypted fields of each model (PRIVACY.md lists them, and why the others stay clear). */
export const secretFields = {
  Claim: ["proofLink", "note", "rejectReason"],
  OutreachTask: ["location"],
  GuildSettings: ["actionNetworkKey"],
} as const;

/** Prisma's delegate name (`db.claim`) of each model above. */
const sealedDelegates: Record<string, readonly string[]> = {
  claim: secretFields.Claim,
  outreachTask: secretFields.OutreachTask,
  guildSettings: secretFields.GuildSettings,
};

/** Every name above: a result is opened wherever one of them holds an envelope. */
const secretNames: ReadonlySet<string> = new Set(Object.values(secretFields).flat());

const prefix = "enc:v1:";
const envelope = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;
const nonceBytes = 12;
const tagBytes = 16;

export interface DataKey {
  /** The first 8 hex digits of the key's SHA-256: which key sealed a value, never the key. */
  id: string;
  secret: Buffer;
}

/** A DATA_KEY's 32 bytes, or null when it is not 32 bytes of base64. */
export function parseDataKey(base64: string): DataKey | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64.trim())) return null;
  const secret = Buffer.from(base64.trim(), "base64");
  if (secret.length !== 32) return null;
  return { id: createHash("sha256").update(secret).digest("hex").slice(0, 8), secret };
}

/** Why a value could not be opened: no key with its id, or the key's tag check failed. */
export class DataKeyError extends Error {
  constructor(
    message: string,
    readonly keyId: string,
  ) {
    super(message);
  }
}

/**
 * The key new values are sealed with, and every key values may be opened with (the rotation
 * holds the old one too). One per process, like the DATA_KEY it comes from.
 */
let sealingKey: DataKey | null = null;
const openingKeys = new Map<string, DataKey>();

/** Sets this process's key (null: values are written plain); `alsoOpen` for a rotation's old key. */
export function useDataKey(key: DataKey | null, alsoOpen: readonly DataKey[] = []): void {
  sealingKey = key;
  openingKeys.clear();
  for (const each of [...alsoOpen, ...(key ? [key] : [])]) openingKeys.set(each.id, each);
}

export function currentDataKeyId(): string | null {
  return sealingKey?.id ?? null;
}

/** The key id a stored value was sealed with; null for a plain value. */
export function sealedKeyId(value: string): string | null {
  return envelope.exec(value)?.[1] ?? null;
}

/**
 * Without a key, a value someone typed that starts like an envelope is stored escaped: read
 * back as an envelope, it would fail to open, and refuse the next start (anyone could do it).
 */
const escaped = "enc:plain:";

/** A value as it is stored: sealed under the current key, or as it is without one. */
export function seal(value: string, key: DataKey | null = sealingKey): string {
  if (!key) return value.startsWith("enc:") ? `${escaped}${value}` : value;
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv("aes-256-gcm", key.secret, nonce);
  const sealed = Buffer.concat([cipher.update(value, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${prefix}${key.id}:${nonce.toString("base64")}:${sealed.toString("base64")}`;
}

/** A stored value as the domain reads it: plain values as they are, envelopes opened. */
export function open(stored: string): string {
  if (stored.startsWith(escaped)) return stored.slice(escaped.length);
  const parts = envelope.exec(stored);
  if (!parts) return stored;
  const [, keyId = "", nonce = "", sealed = ""] = parts;
  const key = openingKeys.get(keyId);
  if (!key) throw new DataKeyError(`no DATA_KEY with id ${keyId}`, keyId);
  const bytes = Buffer.from(sealed, "base64");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.secret, Buffer.from(nonce, "base64"));
    decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
    return Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - tagBytes)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new DataKeyError(`a value sealed with key ${keyId} failed its check`, keyId);
  }
}

/** The row's secret fields sealed, the others as they are (a write's `data`). */
function sealRow(row: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(row)) return row.map((each) => sealRow(each, fields));
  if (typeof row !== "object" || row === null) return row;
  const sealed: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const field of fields) {
    const value = sealed[field];
    if (typeof value === "string") sealed[field] = seal(value);
  }
  return sealed;
}

/** A write's arguments with the values it stores sealed (data, or upsert's create and update). */
function sealArgs(args: unknown, fields: readonly string[]): unknown {
  if (typeof args !== "object" || args === null) return args;
  const sealed: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const part of ["data", "create", "update"]) {
    if (part in sealed) sealed[part] = sealRow(sealed[part], fields);
  }
  return sealed;
}

/** Opens every secret field of a result in place, however deep (includes), and returns it. */
export function openRows<T>(result: T): T {
  if (Array.isArray(result)) {
    for (const each of result) openRows(each);
    return result;
  }
  if (typeof result !== "object" || result === null) return result;
  if (Object.getPrototypeOf(result) !== Object.prototype) return result;
  const row = result as Record<string, unknown>;
  for (const [name, value] of Object.entries(row)) {
    if (typeof value === "string") {
      if (secretNames.has(name) && value.startsWith("enc:")) row[name] = open(value);
      else if (memberIdNames.has(name) && value.startsWith(memberPrefix))
        row[name] = openMemberId(value);
      else if (name === "details" && value.includes(memberPrefix))
        row[name] = value.replace(memberEnvelopes, (sealed) => openMemberId(sealed));
    } else if (typeof value === "object" && value !== null) openRows(value);
  }
  return result;
}

const wrappedClients = new WeakMap<object, object>();

/**
 * The queries of a client or transaction with every model's results opened and the secret
 * models' writes sealed: prismaOf hands this out, so each src/db function reads and writes
 * plain values without a line of its own. Raw SQL reads (src/db/sqliteReads.ts, claimSlot.ts)
 * call openRows themselves.
 */
export function sealedQueries<T extends object>(client: T): T {
  const known = wrappedClients.get(client);
  if (known) return known as T;
  const delegates = new Map<PropertyKey, unknown>();
  const wrapped = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value === "function") return value.bind(target) as unknown;
      if (typeof property !== "string" || property.startsWith("$") || !isDelegate(value))
        return value;
      let delegate = delegates.get(property);
      if (!delegate) {
        delegate = wrapDelegate(value, sealedDelegates[property] ?? []);
        delegates.set(property, delegate);
      }
      return delegate;
    },
  });
  wrappedClients.set(client, wrapped);
  return wrapped;
}

function isDelegate(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { findMany?: unknown }).findMany === "function"
  );
}

function wrapDelegate(delegate: Record<string, unknown>, fields: readonly string[]): object {
  return new Proxy(delegate, {
    get(target, method) {
      const value: unknown = Reflect.get(target, method, target);
      if (typeof value !== "function") return value;
      return (args: unknown) =>
        (
          (value as (args: unknown) => Promise<unknown>).call(
            target,
            sealMemberArgs(fields.length > 0 ? sealArgs(args, fields) : args),
          ) as Promise<unknown>
        ).then(openRows);
    },
  });
}

/**
 * Member ids (#25: "a keyed HMAC of the id for lookups and uniqueness, and an encrypted copy for
 * the DMs Rally must send"). With DATA_KEY, every column naming a Discord member holds
 * `enc:m1:<keyId>:<tag>:<ciphertext>`, a deterministic envelope: tag = HMAC-SHA256(macKey, id)
 * cut to 16 bytes, ciphertext = AES-256-CTR(encKey, iv = tag, id), macKey and encKey drawn
 * from DATA_KEY by HKDF so the two uses never share a key. This is SIV (RFC 5297's synthetic
 * IV, with HMAC for CMAC): the same id always gives the same value, so equality lookups, unique
 * indexes, groupBy and joins between tables work unchanged on the envelope, and the tag shows
 * nothing beyond that equality; opening recomputes the tag from the decrypted id and refuses a
 * mismatch, which authenticates the value (GCM's own tag would add 16 bytes checking the same).
 * Without a key ids are written plain, as before.
 */
export const memberIdFields = {
  Claim: ["volunteerId", "reviewedById"],
  Volunteer: ["userId"],
  AuditEntry: ["actorId"],
  CountEntry: ["actorId"],
  CountSource: ["setById"],
  OutreachTask: ["createdById"],
  Campaign: ["createdById"],
  SummarySchedule: ["createdById"],
  WebSession: ["userId"],
  CalendarFeed: ["userId"],
} as const;

/** The member-id columns that are never NULL (a filter on NULL there is refused by Prisma). */
const requiredMemberIdFields: ReadonlySet<string> = new Set([
  "Volunteer.userId",
  "WebSession.userId",
]);

/** A filter matching the rows whose `field` holds an id not starting with `prefix`. */
export function memberIdsNotUnder(model: string, field: string, prefix: string): object {
  const notNull = requiredMemberIdFields.has(`${model}.${field}`)
    ? []
    : [{ [field]: { not: null } }];
  return { AND: [...notNull, { NOT: { [field]: { startsWith: prefix } } }] };
}

/**
 * Every member-id column's name: each names a member in every model that has it (checked by
 * test/db/memberIds.test.ts against the schema), so writes, filters and results are sealed and
 * opened by name, however deep (nested writes, relation filters, includes). AuditEntry.subjectId
 * and DueJob.subjectId never name a member today (campaigns, tasks, claims, schedules); the
 * Discord ids in AuditEntry.details (`member`, `from`, `to`) are sealed inside the JSON.
 */
const memberIdNames: ReadonlySet<string> = new Set(Object.values(memberIdFields).flat());

const memberPrefix = "enc:m1:";
const memberEnvelope = /^enc:m1:([0-9a-f]{8}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]+)$/;
const memberEnvelopes = /enc:m1:[0-9a-f]{8}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+/g;
/** A Discord id as JSON writes it (a snowflake: 17 to 20 digits), in audit details. */
const quotedSnowflakes = /"(\d{17,20})"/g;
const tagLength = 16;

interface MemberKeys {
  mac: Buffer;
  enc: Buffer;
}

const memberKeysOf = new WeakMap<DataKey, MemberKeys>();

function memberKeys(key: DataKey): MemberKeys {
  let keys = memberKeysOf.get(key);
  if (!keys) {
    const derive = (info: string) => Buffer.from(hkdfSync("sha256", key.secret, "rally", info, 32));
    keys = { mac: derive("rally member id mac v1"), enc: derive("rally member id enc v1") };
    memberKeysOf.set(key, keys);
  }
  return keys;
}

function memberTag(keys: MemberKeys, id: string): Buffer {
  return createHmac("sha256", keys.mac).update(id, "utf8").digest().subarray(0, tagLength);
}

/** A member id as it is stored: its envelope under the current key, or as it is without one. */
export function sealMemberId(id: string, key: DataKey | null = sealingKey): string {
  if (!key || id.startsWith(memberPrefix)) return id;
  const keys = memberKeys(key);
  const tag = memberTag(keys, id);
  const cipher = createCipheriv("aes-256-ctr", keys.enc, tag);
  const sealed = Buffer.concat([cipher.update(id, "utf8"), cipher.final()]);
  return `${memberPrefix}${key.id}:${tag.toString("base64url")}:${sealed.toString("base64url")}`;
}

/** A stored member id as the domain reads it: plain ids as they are, envelopes opened. */
export function openMemberId(stored: string): string {
  const parts = memberEnvelope.exec(stored);
  if (!parts) return stored;
  const [, keyId = "", tag = "", sealed = ""] = parts;
  const key = openingKeys.get(keyId);
  if (!key) throw new DataKeyError(`no DATA_KEY with id ${keyId}`, keyId);
  const keys = memberKeys(key);
  const iv = Buffer.from(tag, "base64url");
  const decipher = createDecipheriv("aes-256-ctr", keys.enc, iv);
  const id = Buffer.concat([
    decipher.update(Buffer.from(sealed, "base64url")),
    decipher.final(),
  ]).toString("utf8");
  if (!timingSafeEqual(memberTag(keys, id), iv))
    throw new DataKeyError(`a member id sealed with key ${keyId} failed its check`, keyId);
  return id;
}

/** The key id a stored member id was sealed with; null for a plain one. */
export function sealedMemberKeyId(value: string): string | null {
  return memberEnvelope.exec(value)?.[1] ?? null;
}

/** Audit details (JSON) with each Discord id in them sealed: `member`, `from`, `to`. */
export function sealIdsInDetails(details: string, key: DataKey | null = sealingKey): string {
  if (!key) return details;
  return details
    .replace(memberEnvelopes, (sealed) => sealMemberId(openMemberId(sealed), key))
    .replace(quotedSnowflakes, (_, id: string) => `"${sealMemberId(id, key)}"`);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** A filter on a member-id column: `id`, `{ equals, in, notIn, not }`, sealed. */
function sealMemberFilter(filter: unknown): unknown {
  if (typeof filter === "string") return sealMemberId(filter);
  if (Array.isArray(filter)) return filter.map(sealMemberFilter);
  if (!isPlainObject(filter)) return filter;
  const sealed: Record<string, unknown> = { ...filter };
  for (const operator of ["equals", "in", "notIn", "not", "set"]) {
    if (operator in sealed) sealed[operator] = sealMemberFilter(sealed[operator]);
  }
  return sealed;
}

/**
 * A query's arguments with every member id in them sealed: writes' values, filters (AND, OR,
 * NOT, relation filters, compound unique keys such as guildId_userId) and cursors, at any depth;
 * audit details' ids too (`contains` looks for the sealed id, which is deterministic).
 */
function sealMembersIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sealMembersIn);
  if (!isPlainObject(value)) return value;
  const sealed: Record<string, unknown> = {};
  for (const [name, part] of Object.entries(value)) {
    if (memberIdNames.has(name)) sealed[name] = sealMemberFilter(part);
    else if (name === "details" && typeof part === "string") sealed[name] = sealIdsInDetails(part);
    else if (name === "details" && isPlainObject(part) && typeof part.contains === "string")
      sealed[name] = { ...part, contains: sealIdsInDetails(`"${part.contains}"`).slice(1, -1) };
    else sealed[name] = sealMembersIn(part);
  }
  return sealed;
}

/** The parts of a query's arguments that hold values (never select, orderBy, by, take). */
const argumentsWithValues = ["where", "data", "create", "update", "cursor", "having"];

function sealMemberArgs(args: unknown): unknown {
  if (!sealingKey || !isPlainObject(args)) return args;
  const sealed: Record<string, unknown> = { ...args };
  for (const part of argumentsWithValues) {
    if (part in sealed) sealed[part] = sealMembersIn(sealed[part]);
  }
  return sealed;
}
