import { isIPv4 } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrRange,
  cidrVersion,
  ipValue,
  ipVersion,
  isCidr,
  isIp,
  isMac,
  parseCidr,
  parseIp,
  rangeContains,
} from '../../src/plan/ip.js';

describe('ip', () => {
  it('parses IPv4 and IPv6 forms to the same numbers', () => {
    expect(parseIp('10.0.0.1')).toEqual({ version: 4, value: 0x0a000001n });
    expect(parseIp('::1')).toEqual({ version: 6, value: 1n });
    expect(parseIp('2001:db8::1')?.value).toBe(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001')?.value);
    expect(parseIp('::ffff:192.0.2.1')?.value).toBe(0xffffc0000201n);
    expect(parseIp('fe80::1%eth0')).toBeUndefined();
    expect(parseIp('10.0.0')).toBeUndefined();
    expect(parseIp('2001:db8:::1')).toBeUndefined();
  });

  it('reads IPv4 addresses exactly as node:net does (its own pass, no regular expression), and isIp/isCidr agree with the parsers', () => {
    const texts = [
      '0.0.0.0',
      '255.255.255.255',
      '256.0.0.1',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3',
      '1.2.3.4.',
      '1..3.4',
      '.1.2.3',
    ];
    texts.push(
      '1.2.3.4 ',
      ' 1.2.3.4',
      '1.2.3.-4',
      '1.2.3.4x',
      '१.2.3.4',
      '',
      '10.0.0.1/24',
      '::1',
      '1.2.3.255',
      '1.2.3.256',
    );
    for (const text of texts) {
      expect(parseIp(text)?.version === 4, text).toBe(isIPv4(text));
      expect(isIp(text), text).toBe(parseIp(text) !== undefined);
    }
    for (const text of [
      '10.0.0.0/8',
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0/8',
      '::/0',
      '::/129',
      'fe80::1%eth0/64',
      '1.2.3.4/08',
    ])
      expect(isCidr(text), text).toBe(parseCidr(text) !== undefined);
  });

  it('parses CIDRs with their range and host bits', () => {
    const v4 = parseCidr('10.1.2.0/24')!;
    expect([v4.first, v4.last, v4.hostBitsSet]).toEqual([0x0a010200n, 0x0a0102ffn, false]);
    expect(parseCidr('10.1.2.3/24')!.hostBitsSet).toBe(true);
    expect(parseCidr('2001:db8::/64')!.last).toBe(0x20010db800000000ffffffffffffffffn);
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('::/129')).toBe(false);
    expect(isCidr('::/0')).toBe(true);
    expect(isCidr('10.0.0.0')).toBe(false);
    expect(isCidr('10.0.0.0/0x8')).toBe(false);
    expect(cidrContains(v4, parseIp('10.1.2.200')!)).toBe(true);
    expect(cidrContains(v4, parseIp('10.1.3.0')!)).toBe(false);
    expect(cidrContains(parseCidr('::/0')!, parseIp('10.0.0.1')!)).toBe(false);
  });

  it('reads addresses and CIDRs without BigInts for IPv4 (ipValue, cidrRange) exactly as parseIp and parseCidr do', () => {
    const addresses = [
      '0.0.0.0',
      '10.1.2.0',
      '10.1.2.3',
      '10.1.2.255',
      '10.1.3.0',
      '255.255.255.255',
      '01.2.3.4',
      '::',
      '::1',
      '2001:db8::1',
      '2001:db8:0:0::ffff',
      '::ffff:10.1.2.3',
      'fe80::1%eth0',
      '10.1.2',
      '',
    ];
    const cidrs = ['10.1.2.0/24', '10.1.2.3/24', '0.0.0.0/0', '10.1.2.3/32', '10.1.2.3/31', '128.0.0.0/1'];
    cidrs.push('255.255.255.255/1', '2001:db8::/64', '::/0', '::1/128', '10.0.0.0/33', '::/129', '10.0.0.0/08', 'x/8');
    for (const text of addresses) {
      const ip = parseIp(text);
      const value = ipValue(text);
      expect(
        value === undefined ? undefined : { version: typeof value === 'number' ? 4 : 6, value: BigInt(value) },
        text,
      ).toEqual(ip);
      expect(ipVersion(text), text).toBe(ip?.version ?? 0);
    }
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      const range = cidrRange(text);
      expect(cidrVersion(text), text).toBe(cidr?.version ?? 0);
      expect(
        range === undefined ? undefined : [range.version, BigInt(range.first), BigInt(range.last), range.hostBitsSet],
        text,
      ).toEqual(cidr === undefined ? undefined : [cidr.version, cidr.first, cidr.last, cidr.hostBitsSet]);
      if (cidr === undefined || range === undefined) continue;
      for (const address of addresses) {
        const ip = parseIp(address);
        if (ip !== undefined)
          expect(rangeContains(range, ipValue(address)!), `${address} in ${text}`).toBe(cidrContains(cidr, ip));
      }
    }
  });

  it('recognises MAC addresses', () => {
    expect(isMac('fa:16:3e:00:11:22')).toBe(true);
    expect(isMac('FA-16-3E-00-11-22')).toBe(true);
    expect(isMac('fa:16:3e-00:11:22')).toBe(false);
    expect(isMac('fa:16:3e:00:11')).toBe(false);
  });
});
