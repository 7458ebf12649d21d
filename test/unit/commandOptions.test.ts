import {
  ApplicationCommandOptionType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
} from "discord.js";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { commands } from "../../commands/index.ts";

/** Every subcommand Rally registers, keyed as the dispatcher looks it up, with its options. */
function registered(): {
  command: string;
  key: string;
  options: APIApplicationCommandBasicOption[];
}[] {
  return commands.flatMap((command) =>
    (command.data.options ?? []).flatMap((option: APIApplicationCommandOption) => {
      if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
        return (option.options ?? []).map((sub) => ({
          command: command.data.name,
          key: `${option.name} ${sub.name}`,
          options: sub.options ?? [],
        }));
      }
      if (option.type === ApplicationCommandOptionType.Subcommand) {
        return [{ command: command.data.name, key: option.name, options: option.options ?? [] }];
      }
      throw new Error(`/${command.data.name} has an option outside a subcommand: ${option.name}`);
    }),
  );
}

describe("each command's option parsers", () => {
  const subcommands = registered();

  it("cover every registered subcommand, and no other", () => {
    for (const command of commands) {
      const keys = subcommands.filter((sub) => sub.command === command.data.name);
      expect(Object.keys(command.subcommands).sort(), `/${command.data.name}`).toEqual(
        keys.map((sub) => sub.key).sort(),
      );
    }
  });

  it.each(subcommands.map((sub) => [`/${sub.command} ${sub.key}`, sub] as const))(
    "%s parses exactly the options it registers, required where Discord requires them",
    (_name, sub) => {
      const schema = commands.find((command) => command.data.name === sub.command)?.subcommands[
        sub.key
      ]?.options;
      expect(schema).toBeInstanceOf(z.ZodObject);
      const shape = (schema as z.ZodObject).shape;
      const parsed = Object.fromEntries(
        Object.entries(shape).map(([name, field]) => [
          name,
          { required: !field.safeParse(undefined).success },
        ]),
      );
      const declared = Object.fromEntries(
        sub.options.map((option) => [option.name, { required: option.required === true }]),
      );
      expect(parsed).toEqual(declared);
    },
  );
});
