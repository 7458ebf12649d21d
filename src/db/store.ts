import type { Db } from "./client.ts";
import type { Prisma } from "./generated/client.ts";
import { sealedQueries } from "./secrets.ts";

declare const storeBrand: unique symbol;

/**
 * A database as everything outside src/db sees it: a handle to pass to src/db's functions,
 * with nothing on it to query. The domain asks src/db for what it needs by name; Discord code
 * passes the handle on to the domain. Only this folder turns it back into Prisma's client
 * (`prismaOf`), so "storage lives in src/db" is checked by the compiler, not by convention.
 */
export interface Store {
  readonly [storeBrand]: "Store";
}

/** What openDatabase returns: the composition root and tests may use Prisma; it is a Store too. */
export type Database = Db & Store;

/** A client or an open transaction's client: both serve every query of src/db. */
type Queries = Db | Prisma.TransactionClient;

/**
 * src/db only: the queries behind a Store, a client's or an open transaction's (the same
 * surface, so one function serves both), with the encrypted fields sealed on write and opened
 * on read (src/db/secrets.ts).
 */
export function prismaOf(store: Store): Prisma.TransactionClient {
  return sealedQueries(store as unknown as Prisma.TransactionClient);
}

/** src/db only: a transaction's client handed to the domain as a Store. */
function storeOf(queries: Queries): Store {
  return queries as unknown as Store;
}

/**
 * Runs `work` in one transaction: every src/db call given `tx` is part of it, and all of its
 * writes land together or not at all. Rules that decide between writes stay in the domain's
 * `work`; the queries stay here.
 */
export function inTransaction<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  const queries = store as unknown as Queries;
  // Already inside one (a domain function calling another): its work joins that transaction.
  if (!("$transaction" in queries)) return work(store);
  return queries.$transaction((tx) => work(storeOf(tx)));
}
