/**
 * The database handle as Discord code and the scheduler hold it: passed to the domain's
 * functions, never queried (they may not import src/db; see eslint.config.js).
 */
export type { Store } from "../db/store.ts";
