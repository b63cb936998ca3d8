import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AuditReport } from '../../src/diff/report.js';
import type { ProfileName } from '../../src/sim/index.js';
import { startClouds, type SimClouds } from './support.js';
import { NEW, OLD, OLD_TO_NEW, platformSeed, projectSeed } from './seed.js';

/**
 * A to B to A', every step through the CLI as a user would run it, on simulated clouds of two releases:
 * export A, apply to B with a mapping (workload data from A), audit A against B; export B, invert the mapping,
 * apply to a fresh A' (same platform as A, empty project) with the inverse (data from B), audit A against A'.
 * Both audits must be clean: only the declared-lossy fields (MAC addresses, floating IP addresses) may differ.
 *
 * Default options on both hops: each server's disk is copied by snapshot, through a temporary image removed
 * afterwards. The copy records what its disk came from (the source image's name and checksum, in metadata Bascule
 * owns), so the export of B names the server's boot image truthfully and the way back needs nothing by hand. Each
 * server's disk on A is written to first (so it differs from its image), and its copy on A' must hold the same bytes.
 */
let c: SimClouds | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

async function bascule(
  clouds: SimClouds,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['--clouds-yaml', clouds.cloudsYaml, ...argv], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

async function must(clouds: SimClouds, ...argv: string[]): Promise<string> {
  const r = await bascule(clouds, ...argv);
  if (r.code !== 0) throw new Error(`bascule ${argv.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function onlyLossy(report: AuditReport): void {
  const unexpected = report.differences.filter((d) => d.type !== 'expected-lossy');
  expect(unexpected).toEqual([]);
  expect(report.summary.clean).toBe(true);
  for (const d of report.differences.filter((x) => x.type === 'expected-lossy')) {
    // MACs and addresses cannot be chosen.
    expect(['spec.mac_address', 'spec.floating_ip_address', 'spec.external_fixed_ips']).toContain(d.field);
  }
}

async function roundTrip(
  from: ProfileName,
  via: ProfileName,
): Promise<{ there: AuditReport; back: AuditReport; created: number; disks: Map<string, [Buffer, Buffer]> }> {
  c = await startClouds([
    { name: 'a', profile: from, seed: projectSeed(OLD) },
    { name: 'b', profile: via, seed: platformSeed(NEW) },
    { name: 'a2', profile: from, seed: platformSeed(OLD) },
  ]);
  const d = (f: string) => join(c!.dir, f);
  await writeFile(d('there.yaml'), OLD_TO_NEW);
  // What the servers wrote to their disks since they were built: the copies must carry it, not their images.
  const disks = new Map<string, [Buffer, Buffer]>();
  const a = c.sim.regionState('a');
  for (const server of a.servers.all()) {
    const name = String(server.name);
    const before = Buffer.concat([
      (await c.sim.readServerDisk('a', String(server.id)))!,
      Buffer.from(`written by ${name}`),
    ]);
    await c.sim.writeServerDisk('a', String(server.id), before);
    disks.set(name, [before, Buffer.alloc(0)]);
  }
  await must(c, 'export', '--os-cloud', 'a', '-o', d('a.plan.json'));
  await must(
    c,
    'apply',
    d('a.plan.json'),
    '--to',
    'b',
    '--from',
    'a',
    '--mapping',
    d('there.yaml'),
    '--journal',
    d('there.journal'),
    '--yes',
    '--restart-source',
  );
  const there = await bascule(
    c,
    'audit',
    '--from',
    'a',
    '--to',
    'b',
    '--mapping',
    d('there.yaml'),
    '--journal',
    d('there.journal'),
    '--format',
    'json',
  );
  expect(there.code, there.stdout + there.stderr).toBe(0);
  // The report records the mapping and the journal it used (path and SHA-256 of each).
  const inputs = (JSON.parse(there.stdout) as AuditReport).inputs;
  expect(inputs?.mapping?.file).toBe(resolve(d('there.yaml')));
  expect(inputs?.journal?.file).toBe(resolve(d('there.journal')));
  expect(inputs?.journal?.sha256).toBe(
    createHash('sha256')
      .update(await readFile(d('there.journal')))
      .digest('hex'),
  );

  await must(c, 'export', '--os-cloud', 'b', '-o', d('b.plan.json'));
  await must(c, 'mapping', 'invert', d('there.yaml'), '-o', d('back.yaml'));
  await must(
    c,
    'apply',
    d('b.plan.json'),
    '--to',
    'a2',
    '--from',
    'b',
    '--mapping',
    d('back.yaml'),
    '--journal',
    d('back.journal'),
    '--yes',
    '--restart-source',
  );
  const back = await bascule(c, 'audit', '--from', 'a', '--to', 'a2', '--format', 'json', '--report', d('back.html'));
  expect(back.code, back.stdout + back.stderr).toBe(0);
  expect(await readFile(d('back.html'), 'utf8')).toContain('CLEAN');
  for (const server of c.sim.regionState('a2').servers.all()) {
    const pair = disks.get(String(server.name));
    if (pair) pair[1] = (await c.sim.readServerDisk('a2', String(server.id))) ?? Buffer.alloc(0);
  }
  const journal = (await readFile(d('there.journal'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { t: string; op?: string; ok?: boolean });
  const created = journal.filter((r) => r.t === 'result' && r.op === 'create' && r.ok === true).length;
  return {
    there: JSON.parse(there.stdout) as AuditReport,
    back: JSON.parse(back.stdout) as AuditReport,
    created,
    disks,
  };
}

describe("round trip A -> B -> A' on the simulator", () => {
  it.each([
    ['pike', '2025.1'],
    ['zed', '2025.1'],
  ] as [ProfileName, ProfileName][])(
    '%s -> %s and back: both audits clean but the declared-lossy fields',
    async (from, via) => {
      const { there, back, created, disks } = await roundTrip(from, via);
      // Both servers' disks came back byte for byte (with what was written to them on A).
      expect([...disks.keys()].sort()).toEqual(['db-1', 'web-1']);
      for (const [name, [before, after]] of disks) {
        expect(after.length, name).toBe(before.length);
        expect(after.equals(before), name).toBe(true);
      }
      onlyLossy(there);
      onlyLossy(back);
      // Everything was compared and matched: nothing silently left out.
      for (const report of [there, back]) {
        expect(report.summary.compared).toBe(report.summary.matched);
        expect(Object.keys(report.per_kind)).toEqual(
          expect.arrayContaining([
            'image',
            'keypair',
            'network',
            'subnet',
            'security_group',
            'security_group_rule',
            'router',
            'port',
            'volume',
            'server_group',
            'server',
            'floating_ip',
          ]),
        );
        expect(report.per_kind.server).toMatchObject({ source: 2, target: 2, missing: 0, extra: 0, changed: 0 });
      }
      // The MAC addresses could not be kept: listed, expected, not failing.
      expect(
        back.differences
          .filter((d) => d.field === 'spec.mac_address')
          .map((d) => d.key)
          .sort(),
      ).toEqual(['port:db-1/eth0', 'port:web-1/eth0']);
      // There, the journal matched exactly every entry Bascule created (the default group and its rules were
      // adopted, not created: matched by name); back, without a journal, markers cannot chain (A' carries B's
      // markers), so names, keys and attributes did it.
      expect(created).toBeGreaterThan(15);
      expect(there.matching.journal).toBe(created);
      expect(back.matching.journal).toBe(0);
      // A control: the same audit sees a change made on A' after the round trip.
      const a2 = await c!.connect('a2');
      const { servers } = await a2.compute.get<{ servers: { id: string }[] }>('/servers?name=web-1');
      await a2.compute.put(`/servers/${servers[0]!.id}/metadata/role`, { meta: { role: 'changed' } });
      const after = await bascule(c!, 'audit', '--from', 'a', '--to', 'a2', '--format', 'json');
      expect(after.code).toBe(3);
      expect((JSON.parse(after.stdout) as AuditReport).differences.filter((d) => d.type !== 'expected-lossy')).toEqual([
        {
          type: 'changed',
          kind: 'server',
          key: 'server:web-1',
          target_key: 'server:web-1',
          field: 'spec.metadata',
          source: { role: 'web' },
          target: { role: 'changed' },
        },
      ]);
    },
    180_000,
  );
});
