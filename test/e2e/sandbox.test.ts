import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type SandboxProcess } from "../support/sandboxProcess.ts";

// Each sandbox is a real `npm start` in its own process: a few seconds each on a busy machine.
const slow = { timeout: 120_000 };

const started: SandboxProcess[] = [];
afterEach(() => {
  for (const sandbox of started.splice(0)) sandbox.kill();
});

/** A new working directory, as a person who just cloned Rally has: no data/ yet. */
function freshDirectory(): string {
  return mkdtempSync(join(tmpdir(), "rally-sandbox-"));
}

async function sandboxIn(cwd: string, environment: Record<string, string> = {}) {
  const sandbox = await startSandbox(cwd, environment);
  started.push(sandbox);
  return sandbox;
}

describe("the sandbox remembers", () => {
  it("keeps its server, members and Rally's posts across quit and start", slow, async () => {
    const cwd = freshDirectory();
    const first = await sandboxIn(cwd);
    expect(first.output()).toContain("A new sandbox server was made");
    expect(await first.send('/campaign create title:"Free them" goal:500')).toContain(
      "Campaign created",
    );
    await first.send("as @volunteer1");
    expect((await first.quit()).code).toBe(0);

    const second = await sandboxIn(cwd);
    expect(second.output()).toContain("Your sandbox server is as you left it");
    const listed = await second.send("/campaign list");
    expect(listed).toContain("**#1 Free them** — 0 / 500 signatures (0%) · Active");
    // The live card Rally posted in the first run, in the same channel.
    const read = await second.send("read #general");
    expect(read).toMatch(/\[#general\] Rally:\n {2}│ \*\*Free them\*\*/);
    expect(read).toContain("Campaign #1 · Active");
    expect(await second.send("members")).toMatch(/\* @organizer\n {2}@volunteer1\n {2}@volunteer2/);
    await second.quit();
  });

  it("loses nothing typed before a kill", slow, async () => {
    const cwd = freshDirectory();
    const first = await sandboxIn(cwd);
    await first.send('/campaign create title:"Free them" goal:500');
    first.kill();
    const second = await sandboxIn(cwd);
    expect(await second.send("/campaign list")).toContain("**#1 Free them**");
    // The card Rally posted after the start is in the saved server too.
    expect(await second.send("read #general")).toMatch(
      /\[#general\] Rally:\n {2}│ \*\*Free them\*\*/,
    );
  });

  it(
    "reset asks first, then deletes only the sandbox's own files and starts over",
    slow,
    async () => {
      const cwd = freshDirectory();
      const sandbox = await sandboxIn(cwd);
      // The bot's own database, beside the sandbox's: reset must leave it.
      writeFileSync(join(cwd, "data", "rally.db"), "not the sandbox's");
      await sandbox.send('/campaign create title:"Free them" goal:500');
      const asked = await sandbox.send("reset");
      expect(asked).toContain("Type reset again (or y) to confirm");
      expect(await sandbox.send("/campaign list")).toContain(
        "Reset cancelled: nothing was deleted.",
      );
      expect(await sandbox.send("/campaign list")).toContain("**#1 Free them**");

      await sandbox.send("reset");
      const done = await sandbox.send("reset");
      expect(done).toContain("a new sandbox server was made");
      expect(await sandbox.send("/campaign list")).not.toContain("Free them");
      expect(readFileSync(join(cwd, "data", "rally.db"), "utf8")).toBe("not the sandbox's");
      expect(readdirSync(join(cwd, "data"))).toContain("sandbox-discord.json");
      await sandbox.quit();
    },
  );
});

describe("the sandbox takes files", () => {
  it("imports a CSV typed as file:@path, and says how to attach without @", slow, async () => {
    const cwd = freshDirectory();
    writeFileSync(
      join(cwd, "tasks.csv"),
      "title,kind,location,slots,due,instructions\n" +
        "Flyers at the library,campus,Main library,4,,Ask at the desk first\n" +
        "Bulletin board refresh,bulletin_board,Town hall,1,,Bring pins\n",
    );
    const sandbox = await sandboxIn(cwd);
    await sandbox.send('/campaign create title:"Free them" goal:500');
    const without = await sandbox.send("/task import campaign:1 file:./tasks.csv");
    expect(without).toContain(
      "file takes a file: write file:@path/to/file, e.g. file:@./tasks.csv",
    );
    expect(await sandbox.send("/task import campaign:1 file:@./missing.csv")).toContain(
      "No file at ./missing.csv",
    );
    const imported = await sandbox.send("/task import campaign:1 file:@./tasks.csv");
    expect(imported).toContain("Imported 2 tasks into **Free them**.");
    const list = await sandbox.send("/task list campaign:1");
    expect(list).toContain("**#1 Flyers at the library** — 0 of 4 volunteers");
    expect(list).toContain("**#2 Bulletin board refresh** — 0 of 1 volunteer · Free them");
    // A proof file, attached the same way.
    await sandbox.send("as @volunteer1 /task claim task:1");
    const done = await sandbox.send("as @volunteer1 /task done task:1 proof_file:@./tasks.csv");
    expect(done).toContain("Marked done: **Flyers at the library**.");
    await sandbox.quit();
  });
});

describe("the sandbox shows files", () => {
  it("saves each file Rally sends under data/sandbox-files and prints where", slow, async () => {
    const cwd = freshDirectory();
    // No xdg-open on this PATH: `open` names the file instead of opening it.
    const sandbox = await sandboxIn(cwd, { PATH: "/nonexistent" });
    await sandbox.send('/campaign create title:"Free them" goal:500');
    const savedPath = (output: string, name: string) => {
      const found = new RegExp(`📎 ${name} \\(\\d+ KB\\) → (\\S+)`).exec(output)?.[1];
      if (!found) throw new Error(`no saved path for ${name} in:\n${output}`);
      return found;
    };
    const flyer = savedPath(await sandbox.send("/campaign flyer campaign:1"), "flyer-1.pdf");
    expect(flyer).toBe("data/sandbox-files/flyer-1.pdf");
    expect(readFileSync(join(cwd, flyer)).subarray(0, 5).toString()).toBe("%PDF-");
    const card = savedPath(await sandbox.send("/campaign card campaign:1"), "campaign-1.png");
    expect(readFileSync(join(cwd, card)).subarray(1, 4).toString()).toBe("PNG");
    // The same name again gets a name of its own; nothing is overwritten.
    const again = savedPath(await sandbox.send("/campaign flyer campaign:1"), "flyer-1.pdf");
    expect(again).toBe("data/sandbox-files/flyer-1-2.pdf");
    expect(await sandbox.send("files")).toMatch(
      / {2}1\. data\/sandbox-files\/flyer-1-2\.pdf \(\d+ KB\)\n {2}2\. data\/sandbox-files\/campaign-1\.png/,
    );
    expect(await sandbox.send("open 2")).toMatch(
      /data\/sandbox-files\/campaign-1\.png \(\d+ KB\): no program to open it here\./,
    );
    expect(await sandbox.send("open 9")).toContain("! No file 9: 3 saved so far");
    await sandbox.quit();
  });
});

describe("the sandbox shows direct messages", () => {
  it("prints each DM Rally sends as it arrives, and dms lists a member's", slow, async () => {
    const cwd = freshDirectory();
    writeFileSync(
      join(cwd, "tasks.csv"),
      "title,kind,location,slots,due,instructions\nFlyers at the library,campus,Main library,4,,\n",
    );
    const sandbox = await sandboxIn(cwd);
    await sandbox.send('/campaign create title:"Free them" goal:500');
    await sandbox.send("/task import campaign:1 file:@./tasks.csv");
    await sandbox.send("as @volunteer1 /task claim task:1");
    const moved = await sandbox.send("/task assign task:1 member:@volunteer2 from:@volunteer1");
    expect(moved).toContain(
      "DM to @volunteer1:\n  An organizer gave your claim on **Flyers at the library** (Free them) to someone else.",
    );
    expect(moved).toContain(
      "DM to @volunteer2:\n  An organizer gave you **Flyers at the library** (Free them).",
    );
    const listed = await sandbox.send("dms @volunteer2");
    expect(listed).toMatch(
      /^DM to @volunteer2 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\):\n {2}An organizer gave you/,
    );
    expect(await sandbox.send("dms")).toContain("Rally has sent @organizer no direct messages.");
    await sandbox.quit();
  });
});

describe("the sandbox speaks each member's language", () => {
  it("locale @member ru makes that member's Discord Russian, and only theirs", slow, async () => {
    const cwd = freshDirectory();
    const sandbox = await sandboxIn(cwd);
    expect(await sandbox.send("locale @volunteer1 ru")).toContain(
      "@volunteer1's Discord now speaks ru.",
    );
    // `as` runs a command as that member, in their language.
    expect(await sandbox.send("as @volunteer1 /campaign list")).toContain(
      "Здесь пока нет кампаний.",
    );
    expect(await sandbox.send("/campaign list")).toContain("No campaigns here yet.");
    await sandbox.send("as @volunteer1");
    expect(await sandbox.send("/campaign list")).toContain("Здесь пока нет кампаний.");
    // Kept with the server between runs.
    await sandbox.quit();
    const again = await sandboxIn(cwd);
    expect(await again.send("as @volunteer1 /campaign list")).toContain("Здесь пока нет кампаний.");
    await again.quit();
  });
});

describe("the sandbox presses buttons on any message", () => {
  it(
    "press … on task N and on message <id>; the Done form updates the public card",
    slow,
    async () => {
      const cwd = freshDirectory();
      const sandbox = await sandboxIn(cwd);
      await sandbox.send('/campaign create title:"Free them" goal:500');
      const first = await sandbox.send('/task add campaign:1 title:"Flyers" kind:campus slots:2');
      const cardId = /— Task #1 · Open\n {2}\[ Claim \].* · message (\d+)/.exec(first)?.[1];
      expect(cardId).toBeDefined();
      await sandbox.send('/task add campaign:1 title:"Board" kind:campus slots:2');

      // Task #1's card, though task #2's is the latest message with a Claim button.
      const claimed = await sandbox.send("as @volunteer1 press Claim on task 1");
      expect(claimed).toContain(
        "(the message updated)\n  │ **Flyers**\n  │ 🎓 Campus · 1 of 2 volunteers",
      );
      const byId = await sandbox.send(`as @volunteer2 press Claim on message ${cardId ?? ""}`);
      expect(byId).toContain("│ 🎓 Campus · 2 of 2 volunteers");
      expect(await sandbox.send("press Claim on message 123456789012345678")).toContain(
        "! No message 123456789012345678.",
      );
      expect(await sandbox.send("press Claim on task 9")).toContain("! No card of task #9");

      await sandbox.send("as @volunteer1");
      expect(await sandbox.send("press Done on task 1")).toContain(
        "A form opened: Mark the task done.",
      );
      await sandbox.send("https://example.org/photo.jpg");
      const submitted = await sandbox.send("Handed out 50");
      // As in Discord: the card everyone sees changes, and the confirmation is the presser's alone.
      expect(submitted).toContain(
        "(the message updated)\n  │ **Flyers**\n  │ 🎓 Campus · 2 of 2 volunteers · 1 done",
      );
      expect(submitted).toContain("Rally (only you can see this):\n  Marked done: **Flyers**.");
      const read = await sandbox.send("read");
      expect(read).toContain("│ 🎓 Campus · 2 of 2 volunteers · 1 done");
      await sandbox.quit();
    },
  );
});

describe("the sandbox shows times in the server's zone", () => {
  it("renders absolute times in the zone /settings timezone set", slow, async () => {
    const year = new Date().getUTCFullYear() + 1;
    const sandbox = await sandboxIn(freshDirectory());
    const before = await sandbox.send(
      `/campaign create title:"In UTC" goal:500 ends:${year}-06-30`,
    );
    expect(before).toContain(`│ Ends: ${year}-06-30 23:59 UTC (`);
    await sandbox.send("/settings timezone zone:Europe/Minsk");
    const after = await sandbox.send(
      `/campaign create title:"In Minsk" goal:500 ends:${year}-06-30`,
    );
    // The end of that day in Minsk (UTC+3), shown as Minsk's clocks show it.
    expect(after).toContain(`│ Ends: ${year}-06-30 23:59 Europe/Minsk (`);
    await sandbox.quit();
  });
});
