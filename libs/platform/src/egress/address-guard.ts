import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { EgressError } from './egress.errors.js';

/** Why an address may not be connected to: each names the range it falls in. */
export type RefusalReason =
  'LOOPBACK' | 'PRIVATE' | 'LINK_LOCAL' | 'CGNAT' | 'MULTICAST' | 'UNSPECIFIED' | 'UNIQUE_LOCAL' | 'RESERVED';

type Family = 4 | 6;

export interface Cidr {
  readonly family: Family;
  readonly base: bigint;
  readonly prefix: number;
  /** As written, for messages. */
  readonly text: string;
}

export type AddressVerdict =
  | { allowed: true; address: string; family: Family }
  | { allowed: false; address: string; reason: RefusalReason };

function v4ToBigInt(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function v6ToBigInt(address: string): bigint {
  let text = address.split('%')[0] ?? '';
  const lastColon = text.lastIndexOf(':');
  // An embedded IPv4 tail (::ffff:127.0.0.1) becomes two hex groups.
  if (text.includes('.', lastColon)) {
    const v4 = v4ToBigInt(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce(
    (value, group) => (value << 16n) | BigInt(parseInt(group, 16)),
    0n,
  );
}

/** Parses `a.b.c.d/n` or `x::y/n` (a bare address is a /32 or /128); throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const family = isIP(address);
  if ((family !== 4 && family !== 6) || rest.length > 0 || address.includes('%'))
    throw new Error(`"${text}" is not a CIDR`);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(bits)) || prefix > bits) throw new Error(`"${text}" is not a CIDR`);
  const value = family === 4 ? v4ToBigInt(address) : v6ToBigInt(address);
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family, base: value & mask, prefix, text: text.trim() };
}

function contains(cidr: Cidr, family: Family, value: bigint): boolean {
  if (cidr.family !== family) return false;
  const bits = family === 4 ? 32 : 128;
  return value >> BigInt(bits - cidr.prefix) === cidr.base >> BigInt(bits - cidr.prefix);
}

const range = (text: string, reason: RefusalReason) => ({ cidr: parseCidr(text), reason });

/** Every range a request to the outside world must never reach, unless an operator allowed it explicitly. */
const REFUSED = [
  range('0.0.0.0/8', 'UNSPECIFIED'),
  range('10.0.0.0/8', 'PRIVATE'),
  range('100.64.0.0/10', 'CGNAT'),
  range('127.0.0.0/8', 'LOOPBACK'),
  range('169.254.0.0/16', 'LINK_LOCAL'),
  range('172.16.0.0/12', 'PRIVATE'),
  range('192.0.0.0/24', 'RESERVED'),
  range('192.0.2.0/24', 'RESERVED'),
  range('192.168.0.0/16', 'PRIVATE'),
  range('198.18.0.0/15', 'RESERVED'),
  range('198.51.100.0/24', 'RESERVED'),
  range('203.0.113.0/24', 'RESERVED'),
  range('224.0.0.0/4', 'MULTICAST'),
  range('240.0.0.0/4', 'RESERVED'),
  range('::/128', 'UNSPECIFIED'),
  range('::1/128', 'LOOPBACK'),
  range('::/96', 'RESERVED'),
  range('100::/64', 'RESERVED'),
  range('2001:db8::/32', 'RESERVED'),
  range('fc00::/7', 'UNIQUE_LOCAL'),
  range('fe80::/10', 'LINK_LOCAL'),
  range('fec0::/10', 'RESERVED'),
  range('ff00::/8', 'MULTICAST'),
];
const MAPPED = parseCidr('::ffff:0.0.0.0/96');
const NAT64 = parseCidr('64:ff9b::/96');

/**
 * Decides one IP address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address it carries; a NAT64 address
 * (64:ff9b::/96) is refused when the IPv4 address it embeds would be. An allow-list CIDR wins over a refusal.
 */
export function checkAddress(address: string, allow: readonly Cidr[] = []): AddressVerdict {
  const kind = isIP(address);
  if (kind !== 4 && kind !== 6) return { allowed: false, address, reason: 'RESERVED' };
  let family: Family = kind;
  let value = kind === 4 ? v4ToBigInt(address) : v6ToBigInt(address);
  if (family === 6 && contains(MAPPED, 6, value)) {
    family = 4;
    value &= 0xffffffffn;
  }
  if (allow.some((cidr) => contains(cidr, family, value))) return { allowed: true, address, family: kind };
  const embedded = family === 6 && contains(NAT64, 6, value) ? value & 0xffffffffn : undefined;
  const refused =
    embedded === undefined
      ? REFUSED.find(({ cidr }) => contains(cidr, family, value))
      : REFUSED.find(({ cidr }) => contains(cidr, 4, embedded));
  if (refused) return { allowed: false, address, reason: refused.reason };
  return { allowed: true, address, family: kind };
}

/** The range an address falls in, ignoring any allow-list: `public`, or the refused range (lower case). */
export type AddressRange = 'public' | Lowercase<RefusalReason>;

export function addressRange(address: string): AddressRange {
  const verdict = checkAddress(address);
  return verdict.allowed ? 'public' : (verdict.reason.toLowerCase() as Lowercase<RefusalReason>);
}

/** One answer of a resolution, with its range: what policy decides on (http.fetch's `resource.addresses`). */
export interface ResolvedAddress {
  address: string;
  family: Family;
  range: AddressRange;
}

/** Where a checked request goes: the URL as given, and the one address it may connect to. */
export interface EgressTarget {
  readonly url: URL;
  readonly hostname: string;
  readonly address: string;
  readonly family: Family;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Outbound requests to addresses given by tenants (webhooks, later http.fetch): resolves the name itself,
 * refuses it when any address it resolves to is internal (so no answer of a round-robin name can be picked to
 * reach one), and hands back the address to pin the connection to (`pinnedLookup`), so a second resolution at
 * connect time cannot rebind the name.
 */
export class AddressGuard {
  readonly allow: readonly Cidr[];

  constructor(
    allowCidrs: readonly string[] = [],
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.allow = allowCidrs.map(parseCidr);
  }

  async resolve(raw: string | URL): Promise<EgressTarget> {
    const url = parseUrl(raw);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const answers = await this.lookup(hostname);
    const verdicts = answers.map((answer) => checkAddress(answer.address, this.allow));
    for (const verdict of verdicts) {
      if (!verdict.allowed) {
        throw new EgressError(
          'EGRESS_ADDRESS_REFUSED',
          `${hostname} resolves to ${verdict.address}, a ${verdict.reason.toLowerCase()} address`,
          { hostname, address: verdict.address, reason: verdict.reason },
        );
      }
    }
    const first = verdicts[0] as AddressVerdict & { allowed: true };
    return { url, hostname, address: first.address, family: first.family };
  }

  /**
   * Every address a host name (or literal) resolves to, with its range, refusing nothing: for a caller that
   * lets policy decide on the addresses first and then connects to one of them with `pinnedLookup`.
   */
  async lookup(hostname: string): Promise<ResolvedAddress[]> {
    const family = isIP(hostname);
    let answers: { address: string; family: number }[];
    try {
      answers = family !== 0 ? [{ address: hostname, family }] : await this.resolver(hostname);
    } catch (error) {
      throw new EgressError('EGRESS_UNRESOLVABLE', `${hostname} does not resolve`, { hostname }, error);
    }
    if (answers.length === 0)
      throw new EgressError('EGRESS_UNRESOLVABLE', `${hostname} does not resolve`, { hostname });
    return answers.map((answer) => ({
      address: answer.address,
      family: answer.family === 6 ? 6 : 4,
      range: addressRange(answer.address),
    }));
  }
}

function parseUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new EgressError('EGRESS_URL_INVALID', 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EgressError('EGRESS_URL_INVALID', `scheme ${url.protocol} is not http or https`);
  if (url.username !== '' || url.password !== '')
    throw new EgressError('EGRESS_URL_INVALID', 'credentials in the URL are not accepted');
  return url;
}

/** A `lookup` for node:http/net that answers every resolution with the checked address (no DNS rebinding). */
export function pinnedLookup(target: EgressTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}
