import { describe, expect, it } from "vitest";
import { safetyReport, type SafetyFacts } from "../../src/domain/safety.ts";

const facts: SafetyFacts = {
  mfaLevel: 1,
  verificationLevel: 2,
  everyoneCanRead: () => false,
  botPermissions: (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 51n),
  encryptionAtRest: false,
};
const settings = {
  guildId: "1",
  reviewChannelId: null,
  announceRoleId: null,
  retentionDays: 180,
  proofFilesAllowed: false,
};
const outcome = (verdicts: ReturnType<typeof safetyReport>, check: string) =>
  verdicts.find((verdict) => verdict.check === check);

describe("safetyReport", () => {
  it("turns the encryption line green when values are stored encrypted (DATA_KEY)", () => {
    const data = { summaryChannelIds: [], lastBackupAt: null };
    expect(outcome(safetyReport(facts, settings, data), "encryption")).toMatchObject({
      status: "warn",
      outcome: "off",
    });
    expect(
      outcome(safetyReport({ ...facts, encryptionAtRest: true }, settings, data), "encryption"),
    ).toMatchObject({ status: "ok", outcome: "on" });
  });

  it("warns on retention above 180 days, not at 180", () => {
    const data = { summaryChannelIds: [], lastBackupAt: null };
    expect(outcome(safetyReport(facts, settings, data), "retention")?.status).toBe("ok");
    expect(
      outcome(safetyReport(facts, { ...settings, retentionDays: 181 }, data), "retention")?.status,
    ).toBe("warn");
  });

  it("verification Low is not enough; Medium is", () => {
    const data = { summaryChannelIds: [], lastBackupAt: null };
    expect(
      outcome(safetyReport({ ...facts, verificationLevel: 1 }, settings, data), "verification")
        ?.status,
    ).toBe("warn");
    expect(outcome(safetyReport(facts, settings, data), "verification")?.status).toBe("ok");
  });
});
