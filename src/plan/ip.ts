/** IPv4/IPv6 address arithmetic for the plan's subnet rules: addresses as bigints, CIDRs as [first, last]. */
import { isIPv4, isIPv6 } from 'node:net';

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

function parseV4(text: string): bigint {
  // In a number (32 bits fit), then one BigInt: a BigInt per octet was the cost of validating a large plan.
  let value = 0;
  for (const part of text.split('.')) value = value * 256 + Number(part);
  return BigInt(value);
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
  if (isIPv4(text)) return { version: 4, value: parseV4(text) };
  if (isIPv6(text) && !text.includes('%')) return { version: 6, value: parseV6(text) };
  return undefined;
}

/** Parses `address/prefix`; undefined when it is not a valid CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = address.version === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = address.value & ~hostMask;
  return {
    version: address.version,
    prefix,
    first,
    last: first | hostMask,
    hostBitsSet: (address.value & hostMask) !== 0n,
  };
}

export function isIp(text: string): boolean {
  return parseIp(text) !== undefined;
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

const MAC = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;

/** A 48-bit MAC address written with ':' or '-' separators. */
export function isMac(text: string): boolean {
  return MAC.test(text);
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.version === ip.version && ip.value >= cidr.first && ip.value <= cidr.last;
}
