/** IPv4/IPv6 address arithmetic for the plan's subnet rules: addresses as bigints, CIDRs as [first, last]. */
import { isIPv6 } from 'node:net';

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

export interface Cidr {
  version: 4 | 6;
  prefix: number;
  /** The network address (host bits cleared). */
  first: bigint;
  /** The broadcast (last) address. */
  last: bigint;
  /** Whether the text had host bits set (e.g. 10.0.0.5/24). */
  hostBitsSet: boolean;
}

/**
 * The value of a dotted-quad IPv4 address, as node's `isIPv4` accepts them (four decimal octets of 0-255, no leading
 * zero), or -1. One pass over the characters, in a number: a 100k-entry plan parses some 100k addresses, and the
 * split, the regular expression of `isIPv4` and a BigInt per address were a tenth of its validation.
 */
function v4(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= length; i += 1) {
    const c = i < length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return -1;
      value = value * 256 + octet;
      parts += 1;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 0x30);
      digits += 1;
      if (octet > 255) return -1;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

function parseV4(text: string): bigint {
  return BigInt(v4(text));
}

function parseV6(text: string): bigint {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.', lastColon)) {
    tailV4 = parseV4(head.slice(lastColon + 1));
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves.length > 1 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(halves.length > 1 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16));
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Parses an IPv4 or IPv6 address (no zone index); undefined when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const value = ipValue(text);
  if (value === undefined) return undefined;
  return typeof value === 'number' ? { version: 4, value: BigInt(value) } : { version: 6, value };
}

/** Parses `address/prefix`; undefined when it is not a valid CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const range = cidrRange(text);
  if (range === undefined) return undefined;
  const { version, prefix, first, last, hostBitsSet } = range;
  return { version, prefix, first: BigInt(first), last: BigInt(last), hostBitsSet };
}

/** The version of an address as parseIp reads it (no zone index), or 0 when it is not one: no arithmetic. */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (v4(text) >= 0) return 4;
  return isIPv6(text) && !text.includes('%') ? 6 : 0;
}

export function isIp(text: string): boolean {
  return ipVersion(text) !== 0;
}

/** The version of `address/prefix` as parseCidr reads it, or 0 when it is not one, without computing the range. */
export function cidrVersion(text: string): 0 | 4 | 6 {
  const slash = text.indexOf('/');
  if (slash < 0) return 0;
  const version = ipVersion(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (version === 0 || !/^[0-9]{1,3}$/.test(prefixText)) return 0;
  return Number(prefixText) <= (version === 4 ? 32 : 128) ? version : 0;
}

/** Whether `text` is `address/prefix` as parseCidr reads it, without computing the range. */
export function isCidr(text: string): boolean {
  return cidrVersion(text) !== 0;
}

const MAC = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;

/** A 48-bit MAC address written with ':' or '-' separators. */
export function isMac(text: string): boolean {
  return MAC.test(text);
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.version === ip.version && ip.value >= cidr.first && ip.value <= cidr.last;
}

/**
 * The value of an address as parseIp reads it, without an object and, for IPv4, without a BigInt: a number for an
 * IPv4 address, a bigint for an IPv6 one, undefined when it is not an address. The plan rules read one or more per
 * port and subnet of a plan (100,000s in a large one).
 */
export function ipValue(text: string): number | bigint | undefined {
  const value = v4(text);
  if (value >= 0) return value;
  if (isIPv6(text) && !text.includes('%')) return parseV6(text);
  return undefined;
}

/** A CIDR as parseCidr reads it, its bounds numbers for IPv4 and bigints for IPv6 (see ipValue). */
export interface CidrRange {
  version: 4 | 6;
  prefix: number;
  first: number | bigint;
  last: number | bigint;
  hostBitsSet: boolean;
}

/** A CIDR with numbers for IPv4 (see ipValue), what parseCidr reads too; undefined when it is not a valid CIDR. */
export function cidrRange(text: string): CidrRange | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = ipValue(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (typeof address === 'number') {
    if (prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    const host = address % size;
    const first = address - host;
    return { version: 4, prefix, first, last: first + size - 1, hostBitsSet: host !== 0 };
  }
  if (prefix > 128) return undefined;
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  const first = address & ~hostMask;
  return { version: 6, prefix, first, last: first | hostMask, hostBitsSet: (address & hostMask) !== 0n };
}

/** Whether an address (ipValue) is in a CIDR (cidrRange): the same version, between its bounds. */
export function rangeContains(range: CidrRange, value: number | bigint): boolean {
  return (typeof value === 'number') === (range.version === 4) && value >= range.first && value <= range.last;
}
