/**
 * The guarantees Rally makes, each with the smallest change that breaks it and the tests that
 * must notice. `npm run mutants` applies each change in a scratch copy and runs those tests: a
 * guarantee counts as tested only while its mutation turns them red. Add a row with every new
 * guarantee (a guild filter, a nonce, a lock, a permission check).
 */
export interface Mutation {
  guarantee: string;
  file: string;
  /** Exact text, found once in the file. */
  find: string;
  replace: string;
  /** Test files, and a name pattern (vitest -t) to run only the tests that should notice. */
  tests: string[];
  testName?: string;
}

export const mutations: Mutation[] = [
  {
    guarantee: "A summary thanks by name only volunteers public in this server",
    file: "src/db/volunteers.ts",
    find: "where: { guildId, userId: { in: [...ids] }, creditPublic: true },",
    replace: "where: { userId: { in: [...ids] }, creditPublic: true },",
    tests: ["test/db/privacy.test.ts"],
    testName: "names only those who chose public credit in this server",
  },
  {
    guarantee: "A reminder DM retried after a crash lands once (its nonce)",
    file: "src/discord/directMessages.ts",
    find: "      nonce: outbox.message.nonce,\n      enforceNonce: true,\n",
    replace: "",
    tests: ["test/e2e/crash.test.ts"],
    testName: "within Discord's nonce memory",
  },
  {
    guarantee: "A DM is not resent once Discord forgot its nonce (marked uncertain)",
    file: "src/domain/outbox.ts",
    find: 'return now.getTime() - row.createdAt.getTime() > nonceMemoryMs ? "uncertain" : "send";',
    replace: 'return "send";',
    tests: ["test/e2e/crash.test.ts", "test/e2e/summaries.test.ts"],
    testName: "nonce memory",
  },
  {
    guarantee: "A summary post retried after a crash lands on the message already posted",
    file: "src/discord/summaryJobs.ts",
    find: "        nonce: outbox.post.nonce,\n        enforceNonce: true,\n",
    replace: "",
    tests: ["test/e2e/summaries.test.ts"],
    testName: "after a kill between the POST and the bookkeeping",
  },
  {
    guarantee: "Every typed date is at most five years ahead (no year 10000)",
    file: "src/domain/dates.ts",
    find: "  if (date.getTime() > latest.toMillis()) {",
    replace: "  if (date.getTime() > latest.toMillis() * 2) {",
    tests: ["test/e2e/dates.test.ts"],
    testName: "each registered date option refuses a date past the bound",
  },
  {
    guarantee: "A stored date that cannot be read is never shown as <t:NaN>",
    file: "src/discord/render/taskCard.ts",
    find: 'return Number.isFinite(seconds) ? time(seconds, style) : t("dates.unreadable");',
    replace: "return time(seconds, style);",
    tests: ["test/e2e/dates.test.ts", "test/unit/discordTime.test.ts"],
  },
  {
    guarantee: "Discord's 5xx is reported as Discord's failure, not a missing permission",
    file: "src/discord/discordFailure.ts",
    find: '    return { reason: "discordError", status: error.status };',
    replace: '    return { reason: "missingPermissions" };',
    tests: ["test/e2e/faults.test.ts"],
    testName: "500",
  },
  {
    guarantee: "A card's retry nonce makes a late first try and the retry one card",
    file: "commands/task/card.ts",
    find: "nonce: cardNonce(task.id)",
    replace: "nonce: undefined",
    tests: ["test/e2e/faults.test.ts"],
    testName: "gets no answer four times",
  },
  {
    guarantee: "A backup is one self-contained file (no -wal or -shm beside it)",
    file: "src/db/backup.ts",
    find: '    copy.pragma("journal_mode = DELETE");\n',
    replace: "",
    tests: ["test/db/backup.test.ts"],
  },
  {
    guarantee: "A claim never overfills a task (the conditional UPDATE decides)",
    file: "src/db/claimSlot.ts",
    find: `WHERE "id" = ? AND "guildId" = ? AND "status" = 'open' AND "claimedSlots" < "slots"`,
    replace: `WHERE "id" = ? AND "guildId" = ? AND "status" = 'open'`,
    tests: ["test/db/tasks.test.ts"],
    testName: "racing for 3 slots",
  },
  {
    guarantee: "Handlers check organizer rights themselves, not only default_member_permissions",
    file: "src/discord/dispatcher.ts",
    find: "    if (!allowed)\n      throw new UserError(",
    replace: "    if (allowed === undefined)\n      throw new UserError(",
    tests: ["test/e2e/permissions.test.ts"],
  },
  {
    guarantee: "A channel id from another server is never used",
    file: "src/discord/channels.ts",
    find: "channel.guildId !== guildId || ",
    replace: "",
    tests: ["test/e2e/tasks.test.ts"],
    testName: "another server's channel",
  },
  {
    guarantee:
      "A button or form is refused on a message that does not show it (no card overwritten)",
    file: "src/discord/dispatcher.ts",
    find: "  if (!message) return;",
    replace: "  if (message) return;",
    tests: ["test/e2e/forged.test.ts"],
  },
  {
    guarantee: "An interaction delivered twice (gateway resume) is answered once",
    file: "src/discord/dispatcher.ts",
    find: "      if (seen.has(interaction.id)) {",
    replace: "      if (seen.has(interaction.id) && seen.size < 0) {",
    tests: ["test/e2e/faults.test.ts"],
  },
  {
    guarantee: "A due job leased by a live process is not run by another",
    file: "src/db/dueJobs.ts",
    find: "  return { OR: [{ leaseUntil: null }, { leaseUntil: { lte: instant } }] };",
    replace: "  return { OR: [{ leaseUntil: null }, { leaseUntil: { not: null } }] };",
    tests: ["test/db/dueJobs.test.ts"],
  },
  {
    guarantee: "Logs never hold a failed request's body (members' words)",
    file: "src/log.ts",
    find: '    if (key === "requestBody") continue;\n',
    replace: "",
    tests: ["test/unit/log.test.ts"],
  },
  {
    guarantee: "A purge leaves no erased byte in the SQLite file or its WAL",
    file: "src/domain/purge.ts",
    find: "  await compactAfterErasure(db, touchedTables);\n",
    replace: "",
    tests: ["test/e2e/purge.test.ts"],
    testName: "wrong server name",
  },
  {
    guarantee: "Deleted values are zeroed in the SQLite file (secure_delete)",
    file: "src/db/client.ts",
    find: '  connection.pragma("secure_delete = ON");\n',
    replace: "",
    tests: ["test/db/privacy.test.ts"],
    testName: "secure_delete",
  },
  {
    guarantee: "A purge erases nothing unless the server's name is typed exactly",
    file: "src/domain/purge.ts",
    find: '  if (typed.trim() !== serverName) throw new UserError("purge.wrongName");\n',
    replace: "",
    tests: ["test/e2e/purge.test.ts"],
    testName: "wrong server name",
  },
  {
    guarantee: "A purge touches only its own server's claims",
    file: "src/db/purge.ts",
    find: "    where: {\n      guildId,\n      OR: [\n        { volunteerId: { not: null } },",
    replace: "    where: {\n      OR: [\n        { volunteerId: { not: null } },",
    tests: ["test/e2e/purge.test.ts"],
    testName: "wrong server name",
  },
  {
    guarantee: "Only Manage Server may export a campaign with members' identities",
    file: "commands/campaign/export.ts",
    find: "    includeMembers &&\n    !hasAccess(",
    replace: "    false &&\n    !hasAccess(",
    tests: ["test/e2e/privacy.test.ts"],
    testName: "include_members",
  },
  {
    guarantee: "With proof files off, /task done takes no uploaded file",
    file: "commands/task/claim.ts",
    find: "  if (input.proof_file && !context.settings.proofFilesAllowed)",
    replace: "  if (input.proof_file && context.settings.proofFilesAllowed === undefined)",
    tests: ["test/e2e/safety.test.ts"],
    testName: "proof_files",
  },
];
