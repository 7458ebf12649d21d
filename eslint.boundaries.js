/**
 * The layers of shared/DESIGN.md, checked on every import (docs/development.md, "Layers").
 * Every folder of src/ is named here, those to come too, so nothing new lands outside the rule;
 * an import between two of them is refused unless a policy below allows it.
 */

/** Each layer, and the folder (or files) it is. Order matters: the first match wins. */
const layers = [
  { type: "commands", pattern: "commands" },
  { type: "domain", pattern: "src/domain" },
  { type: "db", pattern: "src/db" },
  { type: "discord", pattern: "src/discord" },
  { type: "scheduler", pattern: "src/scheduler" },
  { type: "sandbox", pattern: "src/sandbox" },
  { type: "render", pattern: "src/render" },
  { type: "i18n", pattern: "src/i18n" },
  { type: "sources", pattern: "src/sources" },
  { type: "web", pattern: "src/web" },
  { type: "local-discord", pattern: "src/local-discord" },
].map((layer) => ({ partialMatch: false, ...layer }));

/** Files of src/ itself: not a layer, named one by one. */
const rootFiles = [
  // Small helpers every layer but render and i18n may use: the environment, the logger, paths,
  // the clock, and which work comes first (src/foreground.ts).
  { category: "support", pattern: "src/{clock,config,envFile,foreground,log,projectRoot}.ts" },
  // Where the layers are put together: the entry points, which may import any layer.
  { category: "entry", pattern: "src/{app,main,sharded}.ts" },
];

/**
 * Who may import whom (besides itself); everything else is refused. "support" and "entry" are
 * the files of src/ itself above.
 */
const allowed = {
  commands: ["discord", "domain", "render", "i18n", "support"],
  discord: ["commands", "domain", "render", "i18n", "support"],
  domain: ["db", "sources", "i18n", "support"],
  db: ["support"],
  scheduler: ["domain", "support"],
  // The sandbox entry is the one place the bot meets the local Discord.
  sandbox: ["entry", "local-discord", "domain", "render", "i18n", "support"],
  web: ["domain", "render", "i18n", "support"],
  sources: ["support"],
  render: [],
  i18n: [],
  "local-discord": [],
};

const rootFileCategories = new Set(rootFiles.map((file) => file.category));

/** A policy letting `from` import the layers and root files in `to`. */
function policy(from, to) {
  const targets = [
    { element: { type: to.filter((name) => !rootFileCategories.has(name)) } },
    ...to
      .filter((name) => rootFileCategories.has(name))
      .map((name) => ({ file: { categories: name } })),
  ];
  return { from, allow: { to: targets } };
}

/** Layers that must not know Discord: they are tested, and reusable, without it. */
const discordFree = ["domain", "db", "scheduler", "sources", "render", "i18n", "support"];

export const layerSettings = {
  "boundaries/elements": layers,
  "boundaries/files": rootFiles,
  "boundaries/ignore": ["src/db/generated/**", "src/db/generated-pg/**"],
};

export const layerRules = {
  "boundaries/dependencies": [
    "error",
    {
      default: "disallow",
      // Libraries too, so that the Discord-free layers can be held to it.
      checkAllOrigins: true,
      policies: [
        ...Object.entries(allowed).map(([layer, to]) =>
          policy({ element: { type: layer } }, [layer, ...to]),
        ),
        // config.ts checks SOURCE_ALLOW_HOSTS with the parser of the sources that use it.
        policy({ file: { categories: "support" } }, ["support", "sources"]),
        // The entry points put every layer together, except the local Discord (the sandbox's).
        policy({ file: { categories: "entry" } }, [
          ...Object.keys(allowed).filter((layer) => layer !== "local-discord"),
          "support",
          "entry",
        ]),
        // Libraries are allowed, except Discord's for the layers that must not know it.
        { allow: { to: { module: { origin: "external" } } } },
        { allow: { to: { module: { origin: "core" } } } },
        {
          from: { element: { type: discordFree } },
          disallow: { to: { module: { source: ["discord.js", "@discordjs/*"] } } },
        },
      ],
    },
  ],
  // A file in src/ or commands/ that belongs to no layer is an error: name its folder above.
  "boundaries/no-unknown-files": "error",
};
