/**
 * The organizer pages of one server (#23): the task board, the review queue, the CSV import,
 * schedules, the audit trail and settings. Each is refused to a volunteer's session, 404 for
 * another server's ids, 403 without the form token, and acts through the slash commands' domain.
 */
import { describe, expect, it } from "vitest";
import { createSchedule } from "../../src/domain/summarySchedules.ts";
import { addTask, claimTask, finishTask, reviewClaim } from "../../src/domain/tasks.ts";
import { getGuildSettings } from "../../src/domain/guildSettings.ts";
import {
  campaignIn,
  csrfIn,
  get,
  logIn,
  post,
  startWebWorld,
  type WebWorld,
} from "../support/web.ts";

const task = (title: string) => ({
  title,
  kind: "campus" as const,
  location: null,
  slots: 2,
  dueAt: null,
  instructions: null,
});

/** A campaign with two tasks, each with the volunteer's work waiting for review. */
async function withSubmissions(world: WebWorld) {
  const campaign = await campaignIn(world, world.guildId, "Free the press");
  const now = world.clock.now;
  const claims = [];
  for (const title of ["Posters on campus", "Leaflets at the market"]) {
    const added = await addTask(world.db, world.guildId, world.managerId, campaign.id, task(title));
    await claimTask(world.db, world.guildId, world.volunteerId, added.id, now, 3);
    const done = await finishTask(
      world.db,
      world.guildId,
      world.volunteerId,
      added.id,
      { proofLink: "https://example.org/photo.jpg", note: "done <b>today</b>" },
      now,
      true,
    );
    claims.push({ task: added, claim: done.claim });
  }
  return { campaign, claims };
}

const pages = (world: WebWorld) =>
  ["tasks", "review", "import", "schedules", "audit", "settings"].map(
    (section) => `/g/${world.guildId}/${section}`,
  );

describe("organizer pages: who may open them", () => {
  it("a volunteer's session gets 404 on every page, and its posts change nothing", async () => {
    const world = await startWebWorld();
    const { claims } = await withSubmissions(world);
    const { cookie } = await logIn(world, world.volunteerId);
    for (const path of pages(world)) expect((await get(world, path, cookie)).statusCode).toBe(404);
    // A real form token (from the server the volunteer manages), posted to this server.
    const csrf = csrfIn((await get(world, `/g/${world.otherGuildId}`, cookie)).body);
    const forged = await post(
      world,
      `/g/${world.guildId}/review`,
      { _csrf: csrf, claim: String(claims[0]?.claim.id), decision: "approve" },
      cookie,
    );
    expect(forged.statusCode).toBe(404);
    const settings = await post(
      world,
      `/g/${world.guildId}/settings`,
      { _csrf: csrf, setting: "timezone", value: "Europe/Kyiv" },
      cookie,
    );
    expect(settings.statusCode).toBe(404);
    expect((await getGuildSettings(world.db, world.guildId)).timezone).toBe("UTC");
    const claim = await world.db.claim.findUniqueOrThrow({
      where: { id: claims[0]?.claim.id ?? 0 },
    });
    expect(claim.status).toBe("submitted");
  });

  it("an organizer by role opens every page, with the navigation between them", async () => {
    const world = await startWebWorld();
    await withSubmissions(world);
    const { cookie } = await logIn(world, world.roleOrganizerId);
    for (const path of pages(world)) {
      const page = await get(world, path, cookie);
      expect(page.statusCode, path).toBe(200);
      expect(page.body).toContain(`<a href="${path}" aria-current="page"`);
      expect(page.body).toContain(`href="/g/${world.guildId}/review"`);
      expect(page.body).not.toContain("<b>");
    }
  });

  it("every POST without the form token is 403 and changes nothing", async () => {
    const world = await startWebWorld();
    const { campaign, claims } = await withSubmissions(world);
    const { cookie } = await logIn(world, world.managerId);
    const forms: [string, Record<string, string>][] = [
      [`/g/${world.guildId}/review`, { claim: String(claims[0]?.claim.id), decision: "approve" }],
      [`/g/${world.guildId}/import`, { campaign: String(campaign.number), csv: "x" }],
      [`/g/${world.guildId}/import/confirm`, { campaign: String(campaign.number), file: "" }],
      [`/g/${world.guildId}/schedules/off`, { schedule: "1" }],
      [`/g/${world.guildId}/schedules/resume`, { schedule: "1" }],
      [`/g/${world.guildId}/settings`, { setting: "timezone", value: "Europe/Kyiv" }],
    ];
    for (const [path, form] of forms)
      expect((await post(world, path, form, cookie)).statusCode, path).toBe(403);
    // The upload form (multipart) is checked the same way.
    const upload = await world.app.inject({
      method: "POST",
      url: `/g/${world.guildId}/import`,
      headers: { "content-type": "multipart/form-data; boundary=XyZ", cookie },
      payload: multipart({ campaign: String(campaign.number) }, "title\n"),
    });
    expect(upload.statusCode).toBe(403);
    expect((await getGuildSettings(world.db, world.guildId)).timezone).toBe("UTC");
    const claim = await world.db.claim.findUniqueOrThrow({
      where: { id: claims[0]?.claim.id ?? 0 },
    });
    expect(claim.status).toBe("submitted");
  });

  it("another server's campaign, claim or schedule ids are 404 and change nothing there", async () => {
    const world = await startWebWorld();
    const ours = await withSubmissions(world);
    const theirs = await campaignIn(world, world.otherGuildId, "Their campaign");
    const theirTask = await addTask(
      world.db,
      world.otherGuildId,
      world.volunteerId,
      theirs.id,
      task("Theirs"),
    );
    await claimTask(
      world.db,
      world.otherGuildId,
      world.managerId,
      theirTask.id,
      world.clock.now,
      3,
    );
    const theirClaim = await finishTask(
      world.db,
      world.otherGuildId,
      world.managerId,
      theirTask.id,
      { proofLink: null, note: null },
      world.clock.now,
      true,
    );
    const theirSchedule = await createSchedule(
      world.db,
      world.otherGuildId,
      world.volunteerId,
      { channelId: world.channelId, time: "09:00", timeZone: "UTC", days: "mon", campaignId: null },
      world.clock.now,
    );
    const { cookie } = await logIn(world, world.managerId);
    const csrf = csrfIn((await get(world, `/g/${world.guildId}/review`, cookie)).body);
    const g = `/g/${world.guildId}`;
    expect((await get(world, `${g}/tasks?campaign=${theirs.number + 5}`, cookie)).statusCode).toBe(
      404,
    );
    expect((await get(world, `${g}/review?campaign=99`, cookie)).statusCode).toBe(404);
    for (const section of ["tasks", "review", "import", "schedules", "audit", "settings"])
      expect((await get(world, `/g/${world.otherGuildId}/${section}`, cookie)).statusCode).toBe(
        404,
      );
    const review = await post(
      world,
      `${g}/review`,
      { _csrf: csrf, claim: String(theirClaim.claim.id), decision: "approve" },
      cookie,
    );
    expect(review.statusCode).toBe(404);
    // Ours and theirs in one form: 404, and ours is not decided either.
    const mixed = await world.app.inject({
      method: "POST",
      url: `${g}/review`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      payload: new URLSearchParams([
        ["_csrf", csrf],
        ["claim", String(ours.claims[0]?.claim.id)],
        ["claim", String(theirClaim.claim.id)],
        ["decision", "approve"],
      ]).toString(),
    });
    expect(mixed.statusCode).toBe(404);
    expect(
      (await world.db.claim.findUniqueOrThrow({ where: { id: ours.claims[0]?.claim.id ?? 0 } }))
        .status,
    ).toBe("submitted");
    expect(
      (await post(world, `${g}/review`, { _csrf: csrf, claim: "abc", decision: "approve" }, cookie))
        .statusCode,
    ).toBe(404);
    const off = await post(
      world,
      `${g}/schedules/off`,
      { _csrf: csrf, schedule: String(theirSchedule.id) },
      cookie,
    );
    expect(off.statusCode).toBe(404);
    const imported = await post(
      world,
      `${g}/import/confirm`,
      {
        _csrf: csrf,
        campaign: "77",
        file: Buffer.from("title,kind,location,slots,due,instructions\nA,campus,,1,,\n").toString(
          "base64",
        ),
      },
      cookie,
    );
    expect(imported.statusCode).toBe(404);
    expect(
      (await world.db.claim.findUniqueOrThrow({ where: { id: theirClaim.claim.id } })).status,
    ).toBe("submitted");
    expect(
      (await world.db.summarySchedule.findUniqueOrThrow({ where: { id: theirSchedule.id } }))
        .status,
    ).toBe("active");
    const { roleOrganizerId } = world;
    const role = await post(
      world,
      `${g}/settings`,
      { _csrf: csrf, setting: "organizerRole", value: "123456789012345678" },
      cookie,
    );
    expect(role.statusCode).toBe(404);
    expect((await getGuildSettings(world.db, world.guildId)).organizerRoleId).not.toBeNull();
    expect(roleOrganizerId).toBeTruthy();
  });
});

describe("the review queue", () => {
  it("approves two submissions at once, through /task review's rules, with Discord's follow-ups armed", async () => {
    const world = await startWebWorld();
    const { claims } = await withSubmissions(world);
    const quiet = await campaignIn(world, world.guildId, "Clean the river");
    const { cookie } = await logIn(world, world.managerId);
    const filtered = await get(
      world,
      `/g/${world.guildId}/review?campaign=${quiet.number}`,
      cookie,
    );
    expect(filtered.body).toContain("No work is waiting for review.");
    const page = await get(world, `/g/${world.guildId}/review`, cookie);
    expect(page.body).toContain("Posters on campus");
    // The volunteer's name from Discord, their note escaped, the proof a link.
    expect(page.body).toContain("volunteer");
    expect(page.body).toContain("done &lt;b&gt;today&lt;/b&gt;");
    expect(page.body).toContain('href="https://example.org/photo.jpg"');
    const decided = await world.app.inject({
      method: "POST",
      url: `/g/${world.guildId}/review`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      payload: new URLSearchParams([
        ["_csrf", csrfIn(page.body)],
        ["claim", String(claims[0]?.claim.id)],
        ["claim", String(claims[1]?.claim.id)],
        ["decision", "approve"],
      ]).toString(),
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.body).toContain("Posters on campus: approved.");
    expect(decided.body).toContain("Leaflets at the market: approved.");
    expect(decided.body).toContain("No work is waiting for review.");
    const rows = await world.db.claim.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((row) => [row.status, row.reviewedById])).toEqual([
      ["done", world.managerId],
      ["done", world.managerId],
    ]);
    const audit = await world.db.auditEntry.findMany({ where: { action: "task.approve" } });
    expect(audit.map((entry) => entry.actorId)).toEqual([world.managerId, world.managerId]);
    const jobs = await world.db.dueJob.findMany({ where: { status: "pending" } });
    const kinds = jobs.map((job) => `${job.kind}:${job.subjectId}`);
    expect(kinds).toContain(`task.card:${claims[0]?.task.id}`);
    expect(kinds).toContain(`task.card:${claims[1]?.task.id}`);
    expect(kinds.filter((kind) => kind.startsWith("campaign.card:"))).toHaveLength(1);
    // Approving sends no DM from Discord either.
    expect(kinds.filter((kind) => kind.startsWith("review.rejectedNotice"))).toEqual([]);
  });

  it("rejects with a reason and queues the volunteer's notice; one decided in Discord meanwhile is reported, not decided twice", async () => {
    const world = await startWebWorld();
    const { claims } = await withSubmissions(world);
    const { cookie } = await logIn(world, world.managerId);
    const page = await get(world, `/g/${world.guildId}/review`, cookie);
    // Meanwhile, another organizer approves the first one in Discord.
    await reviewClaim(
      world.db,
      world.guildId,
      world.roleOrganizerId,
      claims[0]?.claim.id ?? 0,
      { approve: true },
      world.clock.now,
    );
    const noReason = await world.app.inject({
      method: "POST",
      url: `/g/${world.guildId}/review`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      payload: new URLSearchParams([
        ["_csrf", csrfIn(page.body)],
        ["claim", String(claims[1]?.claim.id)],
        ["decision", "reject"],
      ]).toString(),
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain("Write a reason");
    const decided = await world.app.inject({
      method: "POST",
      url: `/g/${world.guildId}/review`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      payload: new URLSearchParams([
        ["_csrf", csrfIn(page.body)],
        ["claim", String(claims[0]?.claim.id)],
        ["claim", String(claims[1]?.claim.id)],
        ["decision", "reject"],
        ["reason", "The photo is of another campus"],
      ]).toString(),
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.body).toContain("Posters on campus: already reviewed");
    expect(decided.body).toContain("Leaflets at the market: rejected");
    const rows = await world.db.claim.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((row) => [row.status, row.reviewedById, row.rejectReason])).toEqual([
      ["done", world.roleOrganizerId, null],
      ["rejected", world.managerId, "The photo is of another campus"],
    ]);
    const notices = await world.db.dueJob.findMany({ where: { kind: "review.rejectedNotice" } });
    expect(notices.map((job) => [job.subjectId, job.status])).toEqual([
      [String(claims[1]?.claim.id), "pending"],
    ]);
    const actions = await world.db.auditEntry.findMany({
      where: { action: { in: ["task.approve", "task.reject"] } },
      orderBy: { id: "asc" },
    });
    expect(actions.map((entry) => [entry.action, entry.actorId])).toEqual([
      ["task.approve", world.roleOrganizerId],
      ["task.reject", world.managerId],
    ]);
  });
});

const header = "title,kind,location,slots,due,instructions";

describe("the CSV import", () => {
  it("previews a pasted CSV with one bad row: nothing created, the row named, no create button", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const { cookie } = await logIn(world, world.managerId);
    const page = await get(world, `/g/${world.guildId}/import`, cookie);
    const csv = `${header}\nPosters,campus,Campus,2,,\nLeaflets,campus,Market,lots,,\nCalls,online,,1,,\n`;
    const preview = await world.app.inject({
      method: "POST",
      url: `/g/${world.guildId}/import`,
      headers: { "content-type": "multipart/form-data; boundary=XyZ", cookie },
      payload: multipart({ _csrf: csrfIn(page.body), campaign: String(campaign.number), csv }),
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain("Line 3: slots");
    expect(preview.body).not.toContain("Line 2:");
    expect(preview.body).not.toContain("Line 4:");
    expect(preview.body).toContain("Nothing was created");
    expect(preview.body).not.toContain("/import/confirm");
    expect(await world.db.outreachTask.count()).toBe(0);
  });

  it("previews an uploaded file, then creates every row at once and arms the import's message", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const { cookie } = await logIn(world, world.managerId);
    const page = await get(world, `/g/${world.guildId}/import`, cookie);
    const csv = `${header}\nPosters,campus,Campus,2,,\nCalls,online,,1,,\n`;
    const preview = await world.app.inject({
      method: "POST",
      url: `/g/${world.guildId}/import`,
      headers: { "content-type": "multipart/form-data; boundary=XyZ", cookie },
      payload: multipart({ _csrf: csrfIn(page.body), campaign: String(campaign.number) }, csv),
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain("Posters");
    expect(await world.db.outreachTask.count()).toBe(0);
    const file = /name="file"\s+value="([^"]+)"/.exec(preview.body)?.[1] ?? "";
    const created = await post(
      world,
      `/g/${world.guildId}/import/confirm`,
      { _csrf: csrfIn(preview.body), campaign: String(campaign.number), file },
      cookie,
    );
    expect(created.statusCode, created.body.slice(-1500)).toBe(200);
    expect(created.body).toContain("2 tasks created");
    const tasks = await world.db.outreachTask.findMany({ orderBy: { id: "asc" } });
    expect(tasks.map((row) => row.title)).toEqual(["Posters", "Calls"]);
    const audit = await world.db.auditEntry.findMany({ where: { action: "task.import" } });
    expect(audit.map((entry) => entry.actorId)).toEqual([world.managerId]);
    const jobs = await world.db.dueJob.findMany({ where: { status: "pending" } });
    expect(jobs.map((job) => job.kind).sort()).toEqual(["campaign.card", "task.importPost"]);
  });

  it("a confirm whose file has a bad row creates nothing (all or nothing, read again)", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const { cookie } = await logIn(world, world.managerId);
    const csrf = csrfIn((await get(world, `/g/${world.guildId}/import`, cookie)).body);
    const file = Buffer.from(`${header}\nPosters,campus,Campus,2,,\nBad,nonsense,,1,,\n`).toString(
      "base64",
    );
    const refused = await post(
      world,
      `/g/${world.guildId}/import/confirm`,
      { _csrf: csrf, campaign: String(campaign.number), file },
      cookie,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("Line 3");
    expect(await world.db.outreachTask.count()).toBe(0);
  });
});

/** A multipart body with these fields, and a file `file` when given. */
function multipart(fields: Record<string, string>, file?: string): string {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  if (file !== undefined)
    parts.push(
      `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="tasks.csv"\r\nContent-Type: text/csv\r\n\r\n${file}\r\n`,
    );
  return `${parts.join("")}--XyZ--\r\n`;
}

describe("the task board", () => {
  it("shows tasks by status, who holds them, and filters by campaign and status", async () => {
    const world = await startWebWorld();
    const { campaign } = await withSubmissions(world);
    const other = await campaignIn(world, world.guildId, "Clean the river");
    await addTask(world.db, world.guildId, world.managerId, other.id, task("Bags and gloves"));
    const { cookie } = await logIn(world, world.managerId);
    const board = await get(world, `/g/${world.guildId}/tasks`, cookie);
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain("Bags and gloves");
    expect(board.body).toContain("Posters on campus");
    expect(board.body).toMatch(/volunteer \(submitted\)/);
    const byCampaign = await get(
      world,
      `/g/${world.guildId}/tasks?campaign=${other.number}`,
      cookie,
    );
    expect(byCampaign.body).toContain("Bags and gloves");
    expect(byCampaign.body).not.toContain("Posters on campus");
    const submitted = await get(
      world,
      `/g/${world.guildId}/tasks?status=submitted&campaign=${campaign.number}`,
      cookie,
    );
    expect(submitted.body).toContain("Posters on campus");
    expect(submitted.body).not.toContain("Bags and gloves");
    expect(submitted.body).not.toContain('id="column-open"');
  });
});

describe("schedules, audit and settings", () => {
  it("turns a schedule off and on again through /summary's rules", async () => {
    const world = await startWebWorld();
    const schedule = await createSchedule(
      world.db,
      world.guildId,
      world.managerId,
      { channelId: world.channelId, time: "09:00", timeZone: "UTC", days: "mon", campaignId: null },
      world.clock.now,
    );
    const { cookie } = await logIn(world, world.managerId);
    const page = await get(world, `/g/${world.guildId}/schedules`, cookie);
    expect(page.body).toContain("09:00");
    const csrf = csrfIn(page.body);
    expect(
      (
        await post(
          world,
          `/g/${world.guildId}/schedules/off`,
          { _csrf: csrf, schedule: String(schedule.id) },
          cookie,
        )
      ).statusCode,
    ).toBe(303);
    expect(
      (await world.db.summarySchedule.findUniqueOrThrow({ where: { id: schedule.id } })).status,
    ).toBe("off");
    expect(
      (
        await post(
          world,
          `/g/${world.guildId}/schedules/resume`,
          { _csrf: csrf, schedule: String(schedule.id) },
          cookie,
        )
      ).statusCode,
    ).toBe(303);
    expect(
      (await world.db.summarySchedule.findUniqueOrThrow({ where: { id: schedule.id } })).status,
    ).toBe("active");
  });

  it("changes settings through /settings's function, and the audit trail shows it old → new, filtered", async () => {
    const world = await startWebWorld();
    const { cookie } = await logIn(world, world.managerId);
    const csrf = csrfIn((await get(world, `/g/${world.guildId}/settings`, cookie)).body);
    const saved = await post(
      world,
      `/g/${world.guildId}/settings`,
      { _csrf: csrf, setting: "timezone", value: "Europe/Kyiv" },
      cookie,
    );
    expect(saved.statusCode).toBe(303);
    expect((await getGuildSettings(world.db, world.guildId)).timezone).toBe("Europe/Kyiv");
    const bad = await post(
      world,
      `/g/${world.guildId}/settings`,
      { _csrf: csrf, setting: "claimExpiry", value: "99" },
      cookie,
    );
    expect(bad.statusCode).toBe(400);
    const audit = await get(
      world,
      `/g/${world.guildId}/audit?actor=${world.managerId}&action=settings.timezone`,
      cookie,
    );
    expect(audit.body).toContain("Mara · time zone changed: time zone UTC → Europe/Kyiv");
    const none = await get(world, `/g/${world.guildId}/audit?action=task.approve`, cookie);
    expect(none.body).not.toContain("UTC → Europe/Kyiv");
    expect(none.body).toContain("No organizer actions recorded yet.");
    const early = await get(world, `/g/${world.guildId}/audit?to=2000-01-01`, cookie);
    expect(early.body).toContain("No organizer actions recorded yet.");
  });
});

describe("languages", () => {
  it("the organizer pages speak the reader's language", async () => {
    const world = await startWebWorld();
    await withSubmissions(world);
    const { cookie } = await logIn(world, world.managerId);
    const inUkrainian = await world.app.inject({
      method: "GET",
      url: `/g/${world.guildId}/review`,
      headers: { cookie, "accept-language": "uk" },
    });
    expect(inUkrainian.body).toContain("Черга перевірки");
    expect(inUkrainian.body).toContain("Журнал дій");
    const inRussian = await world.app.inject({
      method: "GET",
      url: `/g/${world.guildId}/tasks`,
      headers: { cookie, "accept-language": "ru" },
    });
    expect(inRussian.body).toContain("На проверке");
  });
});
