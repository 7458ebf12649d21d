import { Locale } from "discord.js";
import type { APIEmbed } from "discord-api-types/v10";
import type { CommandOption } from "./state.ts";

export const maxAttachmentBytes = 10 * 1024 * 1024;
const componentsV2Flag = 1 << 15;

/** Discord counts characters as Unicode code points: an emoji made of two UTF-16 units is 1. */
export function characters(text: string | undefined | null): number {
  return text ? [...text].length : 0;
}

type Path = readonly (string | number)[];

/** Collects errors in Discord's "Invalid Form Body" shape: { content: { _errors: [...] } }. */
export class FormErrors {
  readonly tree: Record<string, unknown> = {};
  count = 0;

  /** `prefix` places the fields, e.g. ["data"] for the message of an interaction callback. */
  constructor(private readonly prefix: Path = []) {}

  add(path: Path, code: string, message: string): void {
    let node = this.tree;
    for (const key of [...this.prefix, ...path]) {
      node = (node[String(key)] ??= {}) as Record<string, unknown>;
    }
    ((node["_errors"] ??= []) as unknown[]).push({ code, message });
    this.count += 1;
  }

  /** Checks a length (of text in code points, or of a list) against min..max. */
  length(
    path: Path,
    value: string | readonly unknown[] | undefined | null,
    min: number,
    max: number,
  ) {
    const count = typeof value === "string" ? characters(value) : (value?.length ?? 0);
    if (count > max && min === 0) {
      this.add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
    } else if (count < min || count > max) {
      this.add(path, "BASE_TYPE_BAD_LENGTH", `Must be between ${min} and ${max} in length.`);
    }
  }
}

export interface MessagePayload {
  content?: string | null;
  embeds?: APIEmbed[] | null;
  components?: unknown[] | null;
  flags?: number | null;
  nonce?: string | number;
}

export function validateMessage(body: MessagePayload, errors: FormErrors): void {
  errors.length(["content"], body.content, 0, 2000);
  const embeds = body.embeds ?? [];
  errors.length(["embeds"], embeds, 0, 10);
  let total = 0;
  embeds.forEach((embed, index) => {
    const at = ["embeds", index];
    const texts = [embed.title, embed.description, embed.footer?.text, embed.author?.name];
    errors.length([...at, "title"], embed.title, 0, 256);
    errors.length([...at, "description"], embed.description, 0, 4096);
    errors.length([...at, "footer", "text"], embed.footer?.text, 0, 2048);
    errors.length([...at, "author", "name"], embed.author?.name, 0, 256);
    errors.length([...at, "fields"], embed.fields, 0, 25);
    (embed.fields ?? []).forEach((field, fieldIndex) => {
      errors.length([...at, "fields", fieldIndex, "name"], field.name, 1, 256);
      errors.length([...at, "fields", fieldIndex, "value"], field.value, 1, 1024);
      texts.push(field.name, field.value);
    });
    total += texts.reduce((sum, text) => sum + characters(text), 0);
  });
  if (total > 6000) {
    errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
  }
  validateComponents(body.components ?? [], ((body.flags ?? 0) & componentsV2Flag) !== 0, errors);
}

export interface ComponentShape {
  type: number;
  style?: number;
  custom_id?: string;
  label?: string;
  url?: string;
  disabled?: boolean;
  required?: boolean;
  min_length?: number;
  max_length?: number;
  options?: unknown[];
  min_values?: number;
  max_values?: number;
  components?: ComponentShape[];
  component?: ComponentShape;
  accessory?: ComponentShape;
}

/** Calls visit for every component however deeply nested (rows, sections, labels). */
export function walkComponents(
  components: readonly unknown[],
  visit: (component: ComponentShape, path: Path) => void,
  path: Path = ["components"],
): void {
  components.forEach((raw, index) => {
    const component = raw as ComponentShape;
    visit(component, [...path, index]);
    walkComponents(component.components ?? [], visit, [...path, index, "components"]);
    if (component.component) visit(component.component, [...path, index, "component"]);
    if (component.accessory) visit(component.accessory, [...path, index, "accessory"]);
  });
}

function validateComponents(components: readonly unknown[], v2: boolean, errors: FormErrors) {
  if (!v2) {
    errors.length(["components"], components, 0, 5);
    (components as ComponentShape[]).forEach((row, index) => {
      if (row.type !== 1) {
        errors.add(["components", index, "type"], "UNION_TYPE_CHOICES", "Not a row");
      }
      errors.length(["components", index, "components"], row.components, 1, 5);
      const hasSelect = row.components?.some((child) => child.type !== 2);
      if (hasSelect && (row.components?.length ?? 0) > 1) {
        const message = "The specified component exceeds the maximum width";
        errors.add(["components", index], "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message);
      }
    });
  }
  const customIds = new Set<string>();
  walkComponents(components, (component, path) => {
    // Its length (1-100) is checked against Discord's document (openapi.ts), for every type.
    if (component.custom_id !== undefined) {
      if (customIds.has(component.custom_id)) {
        const message = "Component custom id cannot be duplicated";
        errors.add([...path, "custom_id"], "COMPONENT_CUSTOM_ID_DUPLICATED", message);
      }
      customIds.add(component.custom_id);
    }
    if (component.type === 3) errors.length([...path, "options"], component.options, 1, 25);
    if (component.type !== 2) return;
    errors.length([...path, "label"], component.label, 0, 80);
    const isLink = component.style === 5;
    if (isLink && (component.url === undefined || component.custom_id !== undefined)) {
      const message = "A link button has a url and no custom_id";
      errors.add([...path, "url"], "BUTTON_COMPONENT_INVALID_URL", message);
    }
    if (!isLink && component.style !== 6 && component.custom_id === undefined) {
      errors.add([...path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required");
    }
  });
}

export function validateModal(data: unknown, errors: FormErrors): void {
  const modal = data as ComponentShape & { title?: string };
  errors.length(["title"], modal.title, 1, 45);
  errors.length(["custom_id"], modal.custom_id, 1, 100);
  errors.length(["components"], modal.components, 1, 5);
  walkComponents(modal.components ?? [], (component, path) => {
    // A text input carries its own label in an action row, or sits in a label component (18).
    if (component.type === 18 || (component.type === 4 && path.at(-2) === "components")) {
      errors.length([...path, "label"], component.label, 1, 45);
    }
    if (component.type === 4) errors.length([...path, "custom_id"], component.custom_id, 1, 100);
  });
}

export function validateChoices(choices: unknown, errors: FormErrors): void {
  const list = (Array.isArray(choices) ? choices : []) as { name?: string; value?: unknown }[];
  errors.length(["choices"], list, 0, 25);
  list.forEach((choice, index) => {
    errors.length(["choices", index, "name"], choice.name, 1, 100);
    if (typeof choice.value === "string") {
      errors.length(["choices", index, "value"], choice.value, 0, 100);
    }
  });
}

const namePattern = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const locales = new Set<string>(Object.values(Locale));

function validateTexts(path: Path, option: CommandOption, chatInput: boolean, errors: FormErrors) {
  const checkName = (at: Path, name: string | undefined | null) => {
    if (!chatInput) errors.length(at, name, 1, 32);
    else if (!namePattern.test(name ?? "") || name !== name?.toLowerCase()) {
      errors.add(at, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
    }
  };
  checkName([...path, "name"], option.name);
  if (chatInput) errors.length([...path, "description"], option.description, 1, 100);
  for (const key of ["name_localizations", "description_localizations"] as const) {
    for (const [locale, text] of Object.entries(option[key] ?? {})) {
      const at = [...path, key, locale];
      if (!locales.has(locale)) {
        errors.add(at, "ENUM_TYPE_COERCE", `Value "${locale}" is not a valid enum value.`);
      } else if (key === "name_localizations") checkName(at, text);
      else errors.length(at, text, 1, 100);
    }
  }
}

function validateOptions(path: Path, options: CommandOption[], errors: FormErrors): void {
  errors.length([...path, "options"], options, 0, 25);
  let optionalSeen = false;
  options.forEach((option, index) => {
    const at = [...path, "options", index];
    validateTexts(at, option, true, errors);
    errors.length([...at, "choices"], option.choices, 0, 25);
    (option.choices ?? []).forEach((choice, choiceIndex) => {
      errors.length([...at, "choices", choiceIndex, "name"], choice.name, 1, 100);
      if (typeof choice.value === "string") {
        errors.length([...at, "choices", choiceIndex, "value"], choice.value, 1, 100);
      }
    });
    if (option.type === 1 || option.type === 2) {
      validateOptions(at, option.options ?? [], errors);
    } else if (option.required && optionalSeen) {
      const message = "Required options must be placed before non-required options";
      errors.add([...at, "required"], "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", message);
    }
    optionalSeen ||= !option.required;
  });
}

/** The characters that count towards a command's 4,000 limit, in one locale (or the default). */
function commandSize(option: CommandOption, locale?: Locale): number {
  const text = (base: string | undefined, map: CommandOption["name_localizations"]) =>
    characters((locale && map?.[locale]) ?? base);
  let size = text(option.name, option.name_localizations);
  size += text(option.description, option.description_localizations);
  for (const choice of option.choices ?? []) {
    size += text(choice.name, choice.name_localizations) + characters(String(choice.value));
  }
  for (const child of option.options ?? []) size += commandSize(child, locale);
  return size;
}

export function validateCommands(commands: CommandOption[], errors: FormErrors): void {
  if (commands.filter((command) => (command.type ?? 1) === 1).length > 100) {
    errors.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer chat input commands.");
  }
  const seen = new Set<string>();
  commands.forEach((command, index) => {
    const chatInput = (command.type ?? 1) === 1;
    validateTexts([index], command, chatInput, errors);
    if (chatInput) validateOptions([index], command.options ?? [], errors);
    const key = `${command.type ?? 1}:${command.name}`;
    if (seen.has(key)) {
      const message = "Application command names must be unique";
      errors.add([index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", message);
    }
    seen.add(key);
    // Each locale counts separately: the largest one must fit.
    const sizes = [undefined, ...Object.values(Locale)].map((locale) =>
      commandSize(command, locale),
    );
    if (Math.max(...sizes) > 4000) {
      errors.add([index], "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)");
    }
  });
}
