import { describe, expect, it } from "vitest";
import { isPublicAddress, parseAllowHosts } from "../../src/sources/addresses.ts";

describe("which addresses a count source may reach", () => {
  it.each([
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "this network"],
    ["::", "unspecified v6"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback /8"],
    ["::1", "loopback v6"],
    ["10.0.0.1", "private 10/8"],
    ["172.16.0.1", "private 172.16/12"],
    ["172.31.255.255", "private 172.16/12, top"],
    ["192.168.1.1", "private 192.168/16"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT, top"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["fc00::1", "unique local"],
    ["fd12:3456:789a::1", "unique local fd"],
    ["fe80::1", "link-local v6"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped loopback, hex"],
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::ffff:169.254.169.254", "IPv4-mapped link-local"],
    ["64:ff9b::7f00:1", "NAT64 rfc6052"],
    ["64:ff9b::808:808", "NAT64 of a public address"],
    ["64:ff9b:1::1", "local-use NAT64"],
    ["2002:7f00:1::", "6to4 of loopback"],
    ["2002:808:808::1", "6to4"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
    ["2001:db8::1", "documentation"],
    ["::7f00:1", "IPv4-compatible (deprecated)"],
    ["::ffff:0:7f00:1", "rfc6145 translated"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast SSDP"],
    ["ff02::1", "multicast v6"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "TEST-NET"],
    ["198.18.0.1", "benchmarking"],
    ["fec0::1", "site-local (deprecated)"],
    ["100::1", "discard"],
    ["localhost", "not an address"],
    ["", "empty"],
  ])("refuses %s (%s)", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4009:81f::200e",
    "::ffff:8.8.8.8",
  ])("allows the global unicast address %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("SOURCE_ALLOW_HOSTS entries", () => {
  it("parses hosts with and without ports, spelt as URL spells hostnames", () => {
    expect(parseAllowHosts(" 127.0.0.1:8080, Petitions.LAN ,[::1]:9000,,")).toEqual([
      { host: "127.0.0.1", port: 8080 },
      { host: "petitions.lan" },
      { host: "[::1]", port: 9000 },
    ]);
  });

  it.each(["http://x/", "a b", "host:99999", "host:", "user@host"])("refuses %j", (entry) => {
    expect(() => parseAllowHosts(entry)).toThrow();
  });
});
