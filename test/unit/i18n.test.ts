import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * Two promises: every language says everything English says, with the same placeholders and
 * grammatical plurals; and no text a member reads is written in code, only message keys that
 * exist. Locale files are found in the folder, so a new language is checked as soon as it lands.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const localesDir = join(root, "src", "i18n", "locales");

// ---------------------------------------------------------------------------------------------
// Locale files
// ---------------------------------------------------------------------------------------------

/** "task.full_few" is the "few" form of the base key "task.full"; "task.where" has no forms. */
const pluralSuffix = /_(zero|one|two|few|many|other)$/;

interface Locale {
  language: string;
  /** Flattened "a.b.c" paths → values (a value that is not a string is a bug the tests report). */
  leaves: Map<string, unknown>;
  /** Base key → its forms ("" for a key without plurals, else the plural categories). */
  messages: Map<string, Map<string, string>>;
}

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): Map<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, `${prefix}${key}.`, into);
  } else {
    into.set(prefix.slice(0, -1), value);
  }
  return into;
}

function loadLocale(file: string): Locale {
  const leaves = flatten(JSON.parse(readFileSync(join(localesDir, file), "utf8")), "", new Map());
  const messages = new Map<string, Map<string, string>>();
  for (const [key, value] of leaves) {
    const form = pluralSuffix.exec(key)?.[1] ?? "";
    const base = form ? key.replace(pluralSuffix, "") : key;
    const forms = messages.get(base) ?? new Map<string, string>();
    forms.set(form, typeof value === "string" ? value : "");
    messages.set(base, forms);
  }
  return { language: file.replace(/\.json$/, ""), leaves, messages };
}

const locales = readdirSync(localesDir)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map(loadLocale);
function english(): Locale {
  const found = locales.find((locale) => locale.language === "en");
  if (!found) throw new Error(`no en.json in ${localesDir}`);
  return found;
}
const en = english();
const translations = locales.filter((locale) => locale !== en);
/** Rows for `it.each`: the test name shows the language. */
const byLanguage = (list: Locale[]) => list.map((locale) => [locale.language, locale] as const);

const isPlural = (forms: Map<string, string>) => [...forms.keys()].some((form) => form !== "");
const allText = (forms: Map<string, string>) => [...forms.values()];
const setOf = (texts: string[], pattern: RegExp) =>
  [...new Set(texts.flatMap((text) => [...text.matchAll(pattern)].map((match) => match[1])))]
    .filter((item): item is string => item !== undefined)
    .sort();
const sorted = (items: Iterable<string>) => [...items].sort();

/** `{{name}}` and `{{name, format}}` → name. */
const placeholder = /\{\{\s*([^{}\s,]+)[^{}]*\}\}/g;
/** Backticked code: command names, options and values, the same in every language. */
const code = /(`[^`]+`)/g;
const emoji = /(\p{Extended_Pictographic})/gu;

/** Per base key of `locale`, what differs from English; an empty list means all is well. */
function differences(locale: Locale, pattern: RegExp): string[] {
  const problems: string[] = [];
  for (const [key, englishForms] of en.messages) {
    const forms = locale.messages.get(key);
    if (!forms) continue; // reported by the key-set test
    const expected = setOf(allText(englishForms), pattern);
    const actual = setOf(allText(forms), pattern);
    if (expected.join("\n") !== actual.join("\n")) {
      problems.push(
        `${key}: en has [${expected.join(" ")}], ${locale.language} has [${actual.join(" ")}]`,
      );
    }
  }
  return problems;
}

describe("locale files", () => {
  it("include English, the language every key is checked against", () => {
    expect(locales.map((locale) => locale.language)).toContain("en");
  });

  it.each(byLanguage(locales))("%s: every message is text, never empty", (_language, locale) => {
    const bad = [...locale.leaves]
      .filter(([, value]) => typeof value !== "string" || value.trim() === "")
      .map(([key]) => key);
    expect(bad).toEqual([]);
  });

  it.each(byLanguage(translations))(
    "%s has exactly the keys of en.json (plural suffixes aside)",
    (_language, locale) => {
      const missing = sorted([...en.messages.keys()].filter((key) => !locale.messages.has(key)));
      const extra = sorted([...locale.messages.keys()].filter((key) => !en.messages.has(key)));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    },
  );

  it.each(byLanguage(locales))(
    "%s: every plural key has exactly the plural categories of the language",
    (language, locale) => {
      const categories = sorted(new Intl.PluralRules(language).resolvedOptions().pluralCategories);
      const problems: string[] = [];
      for (const [key, forms] of locale.messages) {
        if (!isPlural(forms)) continue;
        const present = sorted(forms.keys());
        if (present.join() !== categories.join()) {
          problems.push(`${key}: has ${present.map((form) => form || "(no suffix)").join(", ")}`);
        }
      }
      expect(problems, `plural categories of "${language}": ${categories.join(", ")}`).toEqual([]);
    },
  );

  it.each(byLanguage(translations))(
    "%s: a key is plural exactly where it is plural in English",
    (_language, locale) => {
      const mismatched = [...en.messages]
        .filter(([key, forms]) => {
          const translated = locale.messages.get(key);
          return translated !== undefined && isPlural(translated) !== isPlural(forms);
        })
        .map(([key]) => key);
      expect(mismatched).toEqual([]);
    },
  );

  it.each(byLanguage(translations))(
    "%s: every key has the placeholders of English (across its plural forms)",
    (_language, locale) => {
      expect(differences(locale, placeholder)).toEqual([]);
    },
  );

  it.each(byLanguage(translations))(
    "%s: backticked commands and code, and emoji, are kept as in English",
    (_language, locale) => {
      expect([...differences(locale, code), ...differences(locale, emoji)]).toEqual([]);
    },
  );

  it.each(byLanguage(translations))("%s: nothing is left in English", (_language, locale) => {
    // Names and notations that read the same in every language.
    const sameEverywhere = /\b(Rally|Discord|English|CSV|UTF-8|IANA|AGPL-3\.0)\b/g;
    const leftInEnglish = [...locale.leaves]
      .filter(([key, value]) => value === en.leaves.get(key))
      .filter(([, value]) =>
        /[A-Za-z]{2,}/.test(
          String(value)
            .replace(placeholder, "")
            .replace(code, "")
            .replace(/https?:\/\/\S*/g, "")
            .replace(sameEverywhere, ""),
        ),
      )
      .map(([key]) => key);
    expect(leftInEnglish).toEqual([]);
  });

  it.each(byLanguage(locales))(
    "%s: command descriptions and choice names fit Discord's 1 to 100 characters",
    (_language, locale) => {
      const tooLong = [...locale.leaves]
        .filter(([key]) => key.startsWith("commands."))
        .filter(([, value]) => typeof value !== "string" || value.length < 1 || value.length > 100)
        .map(([key, value]) => `${key} (${String(value).length}): ${String(value)}`);
      expect(tooLong).toEqual([]);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Source code
// ---------------------------------------------------------------------------------------------

/** Folders whose text is not for members: generated code, the fake Discord, the English dev tool. */
const notScanned = [
  "src/i18n/",
  "src/db/generated/",
  "src/db/generated-pg/",
  "src/local-discord/",
  "src/sandbox/",
];

function sourceFiles(): string[] {
  return ["commands", "src"]
    .flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: "utf8" }).map((file) =>
        `${dir}/${file}`.replaceAll("\\", "/"),
      ),
    )
    .filter((file) => file.endsWith(".ts") && !notScanned.some((dir) => file.startsWith(dir)))
    .sort();
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

interface Finding {
  where: string;
  text: string;
}

function finding(node: ts.Node, text: string): Finding {
  const source = node.getSourceFile();
  const { line } = source.getLineAndCharacterOfPosition(node.getStart());
  return { where: `${source.fileName}:${line + 1}`, text };
}

interface Literal {
  node: ts.Node;
  /** The literal's text; for a template, its fixed parts joined (the `${…}` parts dropped). */
  text: string;
  /** For a template: the fixed text before the first `${…}`. */
  prefix: string | null;
}

/** Operators whose result can be one of their operands' text (not `===` and the like). */
const textOperators = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.PlusToken,
]);

/**
 * The string literals an expression can evaluate to, looking through `a ? "x" : "y"`,
 * `a ?? "x"`, `"a" + b`, parentheses and casts — but not into calls: `t("key")` returns text
 * from the locale files.
 */
function literalsOf(expression: ts.Expression): Literal[] {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
    return [{ node: expression, text: expression.text, prefix: null }];
  }
  if (ts.isTemplateExpression(expression)) {
    const parts = [expression.head.text, ...expression.templateSpans.map((s) => s.literal.text)];
    return [{ node: expression, text: parts.join(""), prefix: expression.head.text }];
  }
  if (ts.isConditionalExpression(expression)) {
    return [...literalsOf(expression.whenTrue), ...literalsOf(expression.whenFalse)];
  }
  if (ts.isBinaryExpression(expression) && textOperators.has(expression.operatorToken.kind)) {
    return [...literalsOf(expression.left), ...literalsOf(expression.right)];
  }
  if (
    ts.isParenthesizedExpression(expression) ||
    ts.isAsExpression(expression) ||
    ts.isSatisfiesExpression(expression)
  ) {
    return literalsOf(expression.expression);
  }
  return [];
}

function propertyName(node: ts.PropertyAssignment): string | null {
  return ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) ? node.name.text : null;
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/** Properties that only ever hold text a member reads: message content, embed and modal titles… */
const textProperties = new Set(["content", "title", "description", "label", "placeholder"]);
/**
 * Properties that hold either text (an embed field's name and value, a footer's text, a choice's
 * name) or a machine name (a command or option name, a choice value, a file name, a colour).
 */
const textOrNameProperties = new Set(["name", "value", "text"]);
/** Command, option and choice-value names (Discord wants them lowercase), file names, constants. */
const machineName = /^([a-z0-9_.:/#-]*|[A-Z0-9_]+)$/;
/** A colour is never text, whatever its property is called: `title: "#ffffff"` in a palette. */
const colour = /^(#[0-9a-f]{3,8}|rgba?\([^)]*\))$/i;

/** Literal text in `content: "…"`, `label: "…"`, `name: "Every day"`, …: text not from i18n. */
function hardcodedText(source: ts.SourceFile): Finding[] {
  const findings: Finding[] = [];
  walk(source, (node) => {
    if (!ts.isPropertyAssignment(node)) return;
    const name = propertyName(node);
    if (name === null || !(textProperties.has(name) || textOrNameProperties.has(name))) return;
    for (const literal of literalsOf(node.initializer)) {
      if (!/\p{L}/u.test(literal.text) || colour.test(literal.text)) continue; // " · ", "#fff"
      if (textOrNameProperties.has(name) && machineName.test(literal.text)) continue;
      findings.push(finding(literal.node, `${name}: ${JSON.stringify(literal.text)}`));
    }
  });
  return findings;
}

const sections = [...new Set([...en.messages.keys()].map((key) => key.split(".")[0]))];
/** "campaign.closed", "validation.tooLong": a section of en.json, a dot, a path. */
const keyShape = new RegExp(`^(${sections.join("|")})\\.[A-Za-z0-9_.]*$`);

/** Which argument of a call is a message key, whatever it looks like; -1 for other calls. */
function keyArgument(node: ts.CallExpression | ts.NewExpression): number {
  const callee = node.expression;
  const name = ts.isIdentifier(callee)
    ? callee.text
    : ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : null;
  if (ts.isNewExpression(node)) return name === "UserError" ? 0 : -1;
  // translator(language)("key")
  if (ts.isCallExpression(callee) && ts.isIdentifier(callee.expression)) {
    return callee.expression.text === "translator" ? 0 : -1;
  }
  if (name === "translate") return 1; // translate(language, "key")
  return name !== null && ["t", "tServer", "en", "d", "localizedDescription"].includes(name)
    ? 0
    : -1;
}

/**
 * Message keys the code names: the key argument of `new UserError(…)`, `t(…)`, `translate(_, …)`
 * and the other translators, whatever it looks like; and any string shaped like a key that is
 * handed to a function or given as the `key` or `message` of an object (import problems, zod
 * messages). Audit actions and job kinds look like keys but are stored, never handed over.
 */
function keysUsed(source: ts.SourceFile): Literal[] {
  const used: Literal[] = [];
  const looksLikeKey = (literal: Literal) => keyShape.test(literal.prefix ?? literal.text);
  walk(source, (node) => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments) {
      const keyIndex = keyArgument(node);
      node.arguments.forEach((argument, index) => {
        for (const literal of literalsOf(argument)) {
          if (index === keyIndex || looksLikeKey(literal)) used.push(literal);
        }
      });
    } else if (
      ts.isPropertyAssignment(node) &&
      ["key", "message"].includes(propertyName(node) ?? "")
    ) {
      used.push(...literalsOf(node.initializer).filter(looksLikeKey));
    }
  });
  return used;
}

/** A key exists when it names a message (or a plural base); `prefix.${…}` when one starts so. */
function exists({ text, prefix }: Literal): boolean {
  if (prefix === null) return en.messages.has(text);
  return [...en.messages.keys()].some((key) => key.startsWith(prefix));
}

function unknownKeys(source: ts.SourceFile): Finding[] {
  return keysUsed(source)
    .filter((literal) => !exists(literal))
    .map((literal) =>
      finding(literal.node, literal.prefix === null ? literal.text : `${literal.prefix}\${…}`),
    );
}

const sources = sourceFiles().map((file) => parse(file, readFileSync(join(root, file), "utf8")));

describe("text in code", () => {
  it("finds the code to check", () => {
    expect(sources.map((source) => source.fileName)).toEqual(
      expect.arrayContaining(["commands/task/index.ts", "src/discord/dispatcher.ts"]),
    );
  });

  it("no text a member reads is written in code: it comes from src/i18n/locales", () => {
    expect(sources.flatMap(hardcodedText)).toEqual([]);
  });

  it("every message key the code uses exists in en.json", () => {
    expect(sources.flatMap(unknownKeys)).toEqual([]);
  });
});

describe("the text-in-code checks themselves", () => {
  const check = (code: string) => {
    const source = parse("example.ts", code);
    return {
      text: hardcodedText(source).map((f) => f.text),
      keys: unknownKeys(source).map((f) => f.text),
    };
  };

  it("flag literal text in messages, embeds, buttons, modals and choices", () => {
    expect(check('reply({ content: "Hello" })').text).toEqual(['content: "Hello"']);
    expect(check('({ label: done ? "Claimed" : t("task.claimButton") })').text).toEqual([
      'label: "Claimed"',
    ]);
    expect(check("({ footer: { text: `Page ${page} of ${pages}` } })").text).toEqual([
      'text: "Page  of "',
    ]);
    expect(check('({ name: "Every day", value: "daily" })').text).toEqual(['name: "Every day"']);
    expect(check('({ value: fallback ?? "None" })').text).toEqual(['value: "None"']);
    expect(check('({ title: "задание" })').text).toEqual(['title: "задание"']);
  });

  it("let machine names, keys looked up through t() and punctuation pass", () => {
    const names = `({
      name: "proof_link", value: "bulletin_board", text: "#dbdee1", label: "rgba(0, 0, 0, 0.5)",
      page: { name: "LETTER" },
      files: [{ name: \`progress-\${id}.png\` }],
      content: [t("summary.late"), "—"].join(" · "), title: t("task.listTitle", { filter }),
      description: \`\${icon} · \${count}\`, value: kind === "campus",
    })`;
    expect(check(names).text).toEqual([]);
  });

  it("flag message keys that en.json does not have, typos included", () => {
    expect(check('throw new UserError("task.notFund")').keys).toEqual(["task.notFund"]);
    expect(check('context.t("campagin.created", { channel })').keys).toEqual(["campagin.created"]);
    expect(check('translate(language, "summary.lat")').keys).toEqual(["summary.lat"]);
    expect(check('z.string().refine(ok, "validation.blnk")').keys).toEqual(["validation.blnk"]);
    expect(check("t(`task.kindIcn.${kind}`)").keys).toEqual(["task.kindIcn.${…}"]);
  });

  it("accept existing keys, plural bases and key templates, and leave stored names alone", () => {
    const fine = `
      throw new UserError(ok ? "task.notFound" : "campaign.notFound");
      t("task.full", { count }); t(\`commands.task.kinds.\${kind}\`);
      recordAudit(db, { action: "task.cancel" });
    `;
    expect(check(fine).keys).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// translate's fast path
// ---------------------------------------------------------------------------------------------

describe("translate", () => {
  it("gives exactly i18next's text for every key, language, plural count and placeholder", async () => {
    const { languages, translate, translateWithI18next } = await import("../../src/i18n/index.ts");
    let compared = 0;
    for (const [base, forms] of en.messages) {
      const names = new Set<string>();
      for (const text of forms.values())
        for (const match of text.matchAll(/{{(.+?)}}/g)) names.add((match[1] ?? "").trim());
      // Markdown and replacement patterns in values must come through untouched.
      const values = Object.fromEntries([...names].map((name) => [name, `*${name}* $& <@1>`]));
      const counts = forms.has("") ? [undefined] : [0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 1.5];
      for (const language of languages) {
        for (const count of counts) {
          const params = count === undefined ? values : { ...values, count };
          const key = base as Parameters<typeof translate>[1];
          expect(translate(language, key, params), `${language} ${base} ${count}`).toBe(
            translateWithI18next(language, base, params),
          );
          compared += 1;
        }
      }
      // A placeholder left without a value, and one given as undefined, as i18next shows them.
      const [first] = names;
      if (first !== undefined && forms.has("")) {
        const key = base as Parameters<typeof translate>[1];
        const { [first]: _left, ...rest } = values;
        expect(translate("en", key, rest)).toBe(translateWithI18next("en", base, rest));
        const blank = { ...values, [first]: undefined as unknown as string };
        expect(translate("ru", key, blank)).toBe(translateWithI18next("ru", base, blank));
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
