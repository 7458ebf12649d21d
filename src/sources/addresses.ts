import ipaddr from "ipaddr.js";

/** A host that SOURCE_ALLOW_HOSTS lets Rally reach whatever its address; no port = any port. */
export interface AllowedHost {
  /** As WHATWG URL writes a hostname: lowercase, IPv6 in brackets, IPv4 in dotted decimal. */
  host: string;
  port?: number;
}

// IPv6 global unicast is allocated from 2000::/3 only; anything else that ipaddr.js still calls
// "unicast" (the deprecated IPv4-compatible ::a.b.c.d among them) is refused.
const globalUnicast6 = ipaddr.IPv6.parseCIDR("2000::/3");

/**
 * Whether Rally may connect to this address: ipaddr.js says `unicast` after an IPv4-mapped IPv6
 * address is unwrapped (so ::ffff:127.0.0.1 is judged as 127.0.0.1), and an IPv6 address lies
 * in global unicast space. Anything that is not an address is refused.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return false;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(bare);
  } catch {
    return false;
  }
  if (parsed.range() !== "unicast") return false;
  if (parsed.kind() === "ipv6" && !parsed.match(globalUnicast6)) return false;
  return true;
}

/** The IP address a URL's hostname spells, without brackets; undefined for a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare =
    hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  // WHATWG URL already rewrote every IPv4 spelling (2130706433, 0x7f.1) to dotted decimal.
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare) ? bare : undefined;
}

export function isAllowedHost(url: URL, allowHosts: readonly AllowedHost[]): boolean {
  const port = effectivePort(url);
  return allowHosts.some(
    (allowed) =>
      allowed.host === url.hostname && (allowed.port === undefined || allowed.port === port),
  );
}

export function effectivePort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/**
 * "127.0.0.1:8080, petitions.local, [::1]:9000" → allowed hosts, spelt as URL writes hostnames.
 * Throws on an entry that is not `host[:port]`.
 */
export function parseAllowHosts(list: string): AllowedHost[] {
  const hosts: AllowedHost[] = [];
  for (const raw of list.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/?#@[\]]+)(?::(\d{1,5}))?$/.exec(entry);
    if (match === null) throw new Error(`"${entry}" is not host or host:port`);
    const [, host = "", port] = match;
    let hostname: string;
    try {
      hostname = new URL(`http://${host}/`).hostname;
    } catch {
      throw new Error(`"${entry}" is not host or host:port`);
    }
    if (port === undefined) {
      hosts.push({ host: hostname });
    } else {
      const number = Number(port);
      if (number < 1 || number > 65_535) throw new Error(`"${entry}" has no valid port`);
      hosts.push({ host: hostname, port: number });
    }
  }
  return hosts;
}
