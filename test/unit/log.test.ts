import { Writable } from "node:stream";
import { DiscordAPIError, HTTPError } from "discord.js";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger("info", sink), lines };
}

const token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXQ";
const memberWords = "Meet at the north gate at 6, ask for Leila";

function refusedRequest(url: string) {
  return new DiscordAPIError(
    { code: 50035, message: "Invalid Form Body", errors: {} },
    50035,
    400,
    "POST",
    url,
    { body: { type: 4, data: { content: memberWords } } },
  );
}

describe("logged errors", () => {
  it("keep what failed and why, without the interaction token or what was sent", () => {
    const { log, lines } = capture();
    const error = refusedRequest(
      `http://127.0.0.1:4000/api/v10/interactions/1234567890/${token}/callback?with_response=false`,
    );
    log.error({ err: error }, "interaction failed");
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(memberWords);
    expect(lines[0]?.["err"]).toMatchObject({
      type: "DiscordAPIError",
      code: 50035,
      status: 400,
      method: "POST",
      url: "http://127.0.0.1:4000/api/v10/interactions/1234567890/[redacted]/callback?with_response=false",
    });
    // The error itself is untouched: only the log line is cleaned.
    expect(error.url).toContain(token);
    expect(error.requestBody.json).toEqual({ type: 4, data: { content: memberWords } });
  });

  it("clean a follow-up's webhook URL, a server error, and an error kept inside another", () => {
    const { log, lines } = capture();
    const webhook = `https://discord.com/api/v10/webhooks/111222333/${token}/messages/@original`;
    const serverError = new HTTPError(502, "Bad Gateway", "PATCH", webhook, {
      body: { content: memberWords },
    });
    const wrapped = Object.assign(new Error("summary post failed"), {
      request: refusedRequest(`https://discord.com/api/v10/webhooks/111222333/${token}`),
    });
    log.error({ err: serverError }, "follow-up failed");
    log.error({ err: wrapped }, "summary failed");
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(memberWords);
    expect(lines[0]?.["err"]).toMatchObject({
      status: 502,
      url: "https://discord.com/api/v10/webhooks/111222333/[redacted]/messages/@original",
    });
    expect(lines[1]?.["err"]).toMatchObject({
      message: "summary post failed",
      request: { url: "https://discord.com/api/v10/webhooks/111222333/[redacted]" },
    });
  });

  it("still log other errors and values as pino does", () => {
    const { log, lines } = capture();
    log.error({ err: Object.assign(new Error("database is locked"), { code: "P1008" }) }, "busy");
    log.warn({ err: "plain text" }, "odd");
    expect(lines[0]?.["err"]).toMatchObject({
      type: "Error",
      message: "database is locked",
      code: "P1008",
      stack: expect.stringContaining("database is locked"),
    });
    expect(lines[1]?.["err"]).toBe("plain text");
  });
});
