import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";

describe("SOURCE_ALLOW_HOSTS", () => {
  it("is unset by default and when empty", () => {
    expect(loadConfig({}).SOURCE_ALLOW_HOSTS).toBeUndefined();
    expect(loadConfig({ SOURCE_ALLOW_HOSTS: "" }).SOURCE_ALLOW_HOSTS).toBeUndefined();
  });

  it("parses host and host:port entries", () => {
    expect(
      loadConfig({ SOURCE_ALLOW_HOSTS: "127.0.0.1:8080,petitions.lan" }).SOURCE_ALLOW_HOSTS,
    ).toEqual([{ host: "127.0.0.1", port: 8080 }, { host: "petitions.lan" }]);
  });

  it("names the variable when an entry is wrong", () => {
    expect(() => loadConfig({ SOURCE_ALLOW_HOSTS: "http://127.0.0.1/" })).toThrow(
      /^Invalid SOURCE_ALLOW_HOSTS .*: expected comma-separated host or host:port entries\.$/,
    );
  });
});
