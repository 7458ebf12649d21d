// Types of validators.generated.mjs, which compile.mjs writes (it is not committed).
import type { ValidateFunction } from "ajv";

/** Ajv's standalone validator for the JSON body of each route key of operations.json. */
export declare const validators: Record<string, ValidateFunction>;
