import type { ErrorObject, ValidateFunction } from "ajv";
import { FormErrors } from "./limits.ts";

type Path = (string | number)[];
type FindValidator = (routeKey: string) => ValidateFunction | undefined;

let finding: Promise<FindValidator> | undefined;

/** The validators built ahead (compile.mjs), else Ajv compiling each route on first use. */
async function loadValidators(): Promise<FindValidator> {
  try {
    const { validators } = await import("./spec/validators.generated.mjs");
    return (routeKey) => validators[routeKey];
  } catch (error) {
    // Not generated (this folder copied, or run without a build): compile each route on first
    // use instead, ~1 s once per process. Anything else wrong with the file is a real error.
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
  }
  const compiler = await import("./spec/compile.mjs");
  const ajv = compiler.createAjv();
  const compiled = new Map<string, ValidateFunction>();
  return (routeKey) => {
    const operation = compiler.operations[routeKey];
    if (!operation) return undefined;
    const validate =
      compiled.get(routeKey) ?? ajv.compile({ $ref: compiler.bodyReference(operation) });
    compiled.set(routeKey, validate);
    return validate;
  };
}

/** An Ajv error as Discord's code and message for it (lengths as in FormErrors.length). */
function discordError(error: ErrorObject): { code: string; message: string } {
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const length = (min: unknown, max: unknown) =>
    min === undefined || min === 0
      ? { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${String(max)} or fewer in length.` }
      : max === undefined
        ? { code: "BASE_TYPE_MIN_LENGTH", message: `Must be ${String(min)} or more in length.` }
        : {
            code: "BASE_TYPE_BAD_LENGTH",
            message: `Must be between ${String(min)} and ${String(max)} in length.`,
          };
  switch (error.keyword) {
    case "maxLength":
    case "minLength":
      return length(parent["minLength"], parent["maxLength"]);
    case "maxItems":
    case "minItems":
      return length(parent["minItems"], parent["maxItems"]);
    case "maxProperties":
      return length(parent["minProperties"], parent["maxProperties"]);
    case "maximum":
      return { code: "NUMBER_TYPE_MAX", message: `Must be at most ${String(parent["maximum"])}.` };
    case "minimum":
      return { code: "NUMBER_TYPE_MIN", message: `Must be at least ${String(parent["minimum"])}.` };
    case "required":
      return { code: "BASE_TYPE_REQUIRED", message: "This field is required" };
    case "enum":
    case "const":
      return {
        code: "BASE_TYPE_CHOICES",
        message: `Value must be one of ${JSON.stringify(error.schema)}.`,
      };
    case "type":
      return {
        code: "BASE_TYPE_BAD_TYPE",
        message: `Must be of type ${JSON.stringify(error.schema)}.`,
      };
    default:
      return { code: "BASE_TYPE_INVALID", message: error.message ?? "Invalid value" };
  }
}

function fieldPath(error: ErrorObject): Path {
  const path: Path = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const missing = error.params["missingProperty"];
  return typeof missing === "string" ? [...path, missing] : path;
}

// A value that breaks a limit is wrong whichever variant of a union was meant; a type, enum or
// missing field may only say that the body is not some other variant (a reply is not an
// autocomplete answer), so those name the field only when nothing clearer is found.
const limitKeywords = new Set([
  "maxLength",
  "minLength",
  "maxItems",
  "minItems",
  "maxProperties",
  "maximum",
  "minimum",
  "pattern",
]);
const unionKeywords = new Set(["anyOf", "oneOf", "allOf", "if", "not", "false schema"]);

/** The errors worth naming: limits broken, else those deepest in the body. */
function namedErrors(errors: ErrorObject[]): ErrorObject[] {
  const candidates = errors.filter((error) => !unionKeywords.has(error.keyword));
  const limits = candidates.filter((error) => limitKeywords.has(error.keyword));
  if (limits.length > 0) return limits;
  const depth = (error: ErrorObject) => fieldPath(error).length;
  const deepest = Math.max(...candidates.map(depth));
  return candidates.filter((error) => depth(error) === deepest);
}

/**
 * Checks a request body against the schema Discord's OpenAPI document gives its route (for
 * multipart, the parsed payload_json). Routes without a body schema pass.
 */
export async function checkBodyAgainstSpec(routeKey: string, body: unknown): Promise<FormErrors> {
  finding ??= loadValidators();
  const validate = (await finding)(routeKey);
  const errors = new FormErrors();
  if (!validate || validate(body)) return errors;
  const seen = new Set<string>();
  for (const error of namedErrors(validate.errors ?? [])) {
    const path = fieldPath(error);
    const { code, message } = discordError(error);
    const key = JSON.stringify([path, code]);
    if (!seen.has(key)) errors.add(path, code, message);
    seen.add(key);
  }
  // Only union errors: still refuse, on the body as a whole.
  if (errors.count === 0) errors.add([], "BASE_TYPE_INVALID", "Invalid Form Body");
  return errors;
}
