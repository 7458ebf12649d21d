import { ApplicationCommandOptionType, type CommandInteractionOption } from "discord.js";
import type * as z from "zod";
import { UserError } from "../domain/errors.ts";
import type { MessageKey } from "../i18n/index.ts";
import en from "../i18n/locales/en.json" with { type: "json" };

export interface AttachmentOption {
  url: string;
  name: string;
  size: number;
  contentType: string | null;
}

export type OptionValue = string | number | boolean | AttachmentOption;

export interface FlatOptions {
  subcommandGroup: string | null;
  subcommand: string | null;
  values: Record<string, OptionValue>;
}

/** Flattens Discord's nested option tree into the subcommand path and plain values. */
export function flattenOptions(data: readonly CommandInteractionOption[]): FlatOptions {
  const flat: FlatOptions = { subcommandGroup: null, subcommand: null, values: {} };
  const visit = (options: readonly CommandInteractionOption[]) => {
    for (const option of options) {
      switch (option.type) {
        case ApplicationCommandOptionType.SubcommandGroup:
          flat.subcommandGroup = option.name;
          visit(option.options ?? []);
          break;
        case ApplicationCommandOptionType.Subcommand:
          flat.subcommand = option.name;
          visit(option.options ?? []);
          break;
        case ApplicationCommandOptionType.Attachment:
          if (option.attachment) {
            flat.values[option.name] = {
              url: option.attachment.url,
              name: option.attachment.name,
              size: option.attachment.size,
              contentType: option.attachment.contentType,
            };
          }
          break;
        default:
          if (option.value !== undefined) flat.values[option.name] = option.value;
      }
    }
  };
  visit(data);
  return flat;
}

const validationKeys = new Set(Object.keys(en.validation).map((key) => `validation.${key}`));

function isValidationKey(message: string): message is MessageKey {
  return validationKeys.has(message.replace(/_(one|other)$/, ""));
}

/**
 * Validates flattened options with a command's zod schema. A schema states its own friendly
 * message as a `validation.*` key; zod's generic issues map to generic keys by their code.
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  values: Record<string, unknown>,
): z.output<Schema> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const option = String(issue?.path[0] ?? "");
  if (issue && isValidationKey(issue.message)) {
    throw new UserError(issue.message, { option, ...numericLimits(issue) });
  }
  switch (issue?.code) {
    case "too_big":
      throw new UserError("validation.tooLong", { option, max: Number(issue.maximum) });
    case "too_small":
      throw new UserError("validation.tooShort", { option, min: Number(issue.minimum) });
    default:
      throw new UserError("validation.invalid", { option });
  }
}

function numericLimits(issue: z.core.$ZodIssue): Record<string, number> {
  if (issue.code === "too_big") return { max: Number(issue.maximum) };
  if (issue.code === "too_small") return { min: Number(issue.minimum) };
  if (issue.code === "custom" && issue.params) {
    return Object.fromEntries(
      Object.entries(issue.params).filter(
        (entry): entry is [string, number] => typeof entry[1] === "number",
      ),
    );
  }
  return {};
}
