import { describe, expect, it } from 'vitest';
import { assignKeys, keyName, ruleKeyName, type KeyRequest } from '../../src/plan/keys.js';

describe('assignKeys', () => {
  it('gives <kind>:<name> and a suffix only on collision, by name then source id', () => {
    const requests: KeyRequest[] = [
      { kind: 'network', name: 'private', sourceId: 'bbb' },
      { kind: 'network', name: 'public', sourceId: 'ccc' },
      { kind: 'network', name: 'private', sourceId: 'aaa' },
      { kind: 'subnet', name: 'private', sourceId: 'ddd' },
    ];
    expect(assignKeys(requests)).toEqual(['network:private~2', 'network:public', 'network:private', 'subnet:private']);
  });

  it('is independent of the input order', () => {
    const requests: KeyRequest[] = Array.from({ length: 30 }, (_, i) => ({
      kind: 'port',
      name: `p${i % 4}`,
      sourceId: `id-${String(i).padStart(2, '0')}`,
    }));
    const reference = new Map(requests.map((r, i) => [r.sourceId, assignKeys(requests)[i]]));
    for (let round = 0; round < 5; round += 1) {
      const shuffled = [...requests].sort(() => Math.random() - 0.5);
      const keys = assignKeys(shuffled);
      shuffled.forEach((r, i) => expect(keys[i]).toBe(reference.get(r.sourceId)));
    }
    expect(new Set(reference.values()).size).toBe(30);
  });

  it('never collides with a name that already looks suffixed', () => {
    const keys = assignKeys([
      { kind: 'volume', name: 'data', sourceId: '1' },
      { kind: 'volume', name: 'data', sourceId: '2' },
      { kind: 'volume', name: 'data~2', sourceId: '3' },
    ]);
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('volume:data~2');
    expect(keys[0]).toBe('volume:data');
    expect(keys[1]).toBe('volume:data~3');
  });

  it('names unnamed resources and cleans control characters', () => {
    expect(keyName('')).toBe('unnamed');
    expect(keyName('  a\tb\n ')).toBe('a_b');
    expect(keyName('x'.repeat(500))).toHaveLength(240);
    expect(
      assignKeys([
        { kind: 'port', name: '' },
        { kind: 'port', name: ' ' },
      ]),
    ).toEqual(['port:unnamed', 'port:unnamed~2']);
  });

  it('names security group rules readably and deterministically', () => {
    expect(
      ruleKeyName('web', {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 443,
        port_range_max: 443,
        remote_ip_prefix: '0.0.0.0/0',
      }),
    ).toBe('web/ingress-IPv4-tcp-443-0.0.0.0_0');
    expect(
      ruleKeyName(
        'db',
        { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 5432, port_range_max: 5433 },
        'web',
      ),
    ).toBe('db/ingress-IPv4-tcp-5432:5433-sg=web');
    expect(ruleKeyName('db', { direction: 'egress', ethertype: 'IPv6' })).toBe('db/egress-IPv6-any-any-any');
  });
});
