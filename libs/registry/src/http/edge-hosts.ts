import { BlockList, isIP } from 'node:net';
import { ConfigError } from '@pushwire/service-kit';

/**
 * Which hosts an edge may name in the `edgeUrl` of its lease and registrations
 * (PUSHWIRE_REGISTRY_EDGE_HOSTS). Senders POST deliveries with their service token to whatever URL
 * the registry hands out, so a registry that knows where its edges live can refuse any other.
 * Entries, comma-separated: a host name (`edge-1.internal`), every name under a domain
 * (`*.edges.internal`), an IP address, or an IPv4/IPv6 CIDR (`10.0.0.0/8`, `fd00::/8`). Names are
 * compared as written in the URL (case-insensitive); what they resolve to is DNS's business.
 */
export class EdgeHostAllowList {
  private constructor(
    private readonly names: ReadonlySet<string>,
    private readonly suffixes: readonly string[],
    private readonly addresses: BlockList,
  ) {}

  /** Parses the setting; an entry it cannot read is a ConfigError naming it (the registry does not start). */
  static parse(spec: string, key = 'PUSHWIRE_REGISTRY_EDGE_HOSTS'): EdgeHostAllowList {
    const names = new Set<string>();
    const suffixes: string[] = [];
    const addresses = new BlockList();
    for (const raw of spec.split(',')) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const [address, prefix, extra] = entry.split('/');
      const family = isIP(address ?? '');
      if (family && extra === undefined) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        const bits = prefix === undefined ? undefined : Number(prefix);
        if (bits === undefined) addresses.addAddress(address!, type);
        else if (Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)) addresses.addSubnet(address!, bits, type);
        else throw new ConfigError(`${key}: "${raw.trim()}" has an invalid prefix length`);
      } else if (/^\*\.[a-z0-9.-]+$/.test(entry)) suffixes.push(entry.slice(1));
      else if (/^[a-z0-9.-]+$/.test(entry)) names.add(entry);
      else throw new ConfigError(`${key}: "${raw.trim()}" is not a host name, *.domain, IP address or CIDR`);
    }
    return new EdgeHostAllowList(names, suffixes, addresses);
  }

  /** Whether the host of `edgeUrl` (a URL the protocol's EdgeUrl schema accepted) is on the list. */
  allows(edgeUrl: string): boolean {
    let host: string;
    try {
      host = new URL(edgeUrl).hostname.toLowerCase();
    } catch (e) {
      throw new TypeError(`EdgeHostAllowList: ${edgeUrl} is not a URL (the EdgeUrl schema should have refused it)`, { cause: e });
    }
    const address = host.startsWith('[') ? host.slice(1, -1) : host;
    const family = isIP(address);
    if (family) return this.addresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
    return this.names.has(host) || this.suffixes.some((suffix) => host.endsWith(suffix));
  }
}
