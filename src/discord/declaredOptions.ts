import { ApplicationCommandOptionType, type APIApplicationCommandBasicOption } from "discord.js";
import * as z from "zod";
import type { AttachmentOption } from "./options.ts";
import { integer, snowflake } from "./optionSchemas.ts";

const T = ApplicationCommandOptionType;

/**
 * One option, declared once: the JSON Discord registers and the schema its value is parsed with.
 * `required` decides both; without a `parse` of its own, the schema follows from the JSON.
 */
export interface DeclaredOption<
  Json extends APIApplicationCommandBasicOption = APIApplicationCommandBasicOption,
  Parse extends z.ZodType = z.ZodType,
> {
  readonly json: Json;
  readonly parse: Parse;
}

/** The value Discord sends for an option of this JSON (after `flattenOptions`). */
type Value<Json> = Json extends { type: typeof T.String; choices: readonly { value: infer V }[] }
  ? V
  : Json extends { type: typeof T.Integer | typeof T.Number }
    ? number
    : Json extends { type: typeof T.Boolean }
      ? boolean
      : Json extends { type: typeof T.Attachment }
        ? AttachmentOption
        : string;

/** The schema an option's JSON implies: its type, its choices, an integer's bounds. */
type Derived<Json> = Json extends { type: typeof T.String; choices: readonly { value: infer V }[] }
  ? z.ZodEnum<{ [K in V & string]: K }>
  : Json extends { type: typeof T.Integer | typeof T.Number }
    ? z.ZodNumber
    : Json extends { type: typeof T.Boolean }
      ? z.ZodBoolean
      : Json extends { type: typeof T.Attachment }
        ? z.ZodType<AttachmentOption>
        : z.ZodString;

const attachment = z.custom<AttachmentOption>(
  (value) => typeof value === "object" && value !== null && "url" in value,
);

function derive(json: APIApplicationCommandBasicOption): z.ZodType {
  switch (json.type) {
    case T.String:
      return json.choices
        ? z.enum(json.choices.map((choice) => choice.value) as [string, ...string[]])
        : z.string();
    case T.Integer:
      return integer(json.min_value ?? -Infinity, json.max_value ?? Infinity);
    case T.Number:
      return z
        .number()
        .min(json.min_value ?? -Infinity, "validation.integerMin")
        .max(json.max_value ?? Infinity, "validation.integerMax");
    case T.Boolean:
      return z.boolean();
    case T.Attachment:
      return attachment;
    case T.Channel:
    case T.User:
    case T.Role:
    case T.Mentionable:
      return snowflake;
  }
}

/**
 * An option from its registered JSON. `parse` replaces the derived schema where Discord's own
 * checks are not enough (hostile text: `text()`, `httpUrl`), and must take the value Discord sends.
 */
export function option<const Json extends APIApplicationCommandBasicOption>(
  json: Json & LiteralName<Json>,
): DeclaredOption<Json, Derived<Json>>;
export function option<
  const Json extends APIApplicationCommandBasicOption,
  Parse extends z.ZodType<unknown, Value<Json>>,
>(json: Json & LiteralName<Json>, parse: Parse): DeclaredOption<Json, Parse>;
export function option(json: APIApplicationCommandBasicOption, parse?: z.ZodType): DeclaredOption {
  return { json, parse: parse ?? derive(json) };
}

/** A name typed as any string would make the parsed input a loose record: write it literally. */
type LiteralName<Json extends APIApplicationCommandBasicOption> = string extends Json["name"]
  ? { name: "an option's name must be a literal type (declare it `as const`)" }
  : unknown;

type Shape<List extends readonly DeclaredOption[]> = {
  [Option in List[number] as Option["json"]["name"]]: Option["json"] extends { required: true }
    ? Option["parse"]
    : z.ZodOptional<Option["parse"]>;
};

/** A subcommand's options: `json` for its registered data, `schema` for the dispatcher's parse. */
export interface OptionSet<List extends readonly DeclaredOption[]> {
  readonly json: APIApplicationCommandBasicOption[];
  readonly schema: z.ZodObject<Shape<List>>;
}

export function options<const List extends readonly DeclaredOption[]>(
  ...list: List
): OptionSet<List> {
  const shape = Object.fromEntries(
    list.map(({ json, parse }) => [json.name, json.required ? parse : parse.optional()]),
  );
  return {
    json: list.map((declared) => declared.json),
    schema: z.object(shape) as unknown as z.ZodObject<Shape<List>>,
  };
}
