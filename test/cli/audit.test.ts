import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AuditReport } from '../../src/diff/report.js';
import { writePlan } from '../../src/plan/io.js';
import { startClouds, type SimClouds } from '../roundtrip/support.js';
import { NEW, OLD, OLD_TO_NEW, projectSeed } from '../roundtrip/seed.js';

/**
 * `bascule audit` over two simulated clouds holding the same project: `a` on Pike under the old platform's names,
 * `b` on Zed under the new platform's names (as a migration with the OLD_TO_NEW mapping would leave it).
 */
let c: SimClouds;
let mapping: string;

beforeAll(async () => {
  c = await startClouds([
    { name: 'a', profile: 'pike', seed: projectSeed(OLD) },
    { name: 'b', profile: 'zed', seed: projectSeed(NEW) },
  ]);
  mapping = join(c.dir, 'old-to-new.yaml');
  await writeFile(mapping, OLD_TO_NEW);
}, 60_000);
afterAll(async () => {
  await c.stop();
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['--clouds-yaml', c.cloudsYaml, ...argv], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

const mutations = (cloud: string) =>
  c.sim.requestLog(cloud).filter((e) => e.method !== 'GET' && !e.route.includes('/auth/tokens'));

describe('bascule audit --from --to', () => {
  it('is clean (exit 0) with the mapping: mapped flavors, image, network and volume type are no difference', async () => {
    const { code, stdout, stderr } = await run('audit', '--from', 'a', '--to', 'b', '--mapping', mapping);
    expect(stderr).toBe('');
    expect(stdout).toContain('CLEAN (with expected-lossy fields)');
    expect(stdout).toMatch(/expected-lossy\s+port:web-1\/eth0\s+spec\.mac_address/);
    expect(code).toBe(0);
  });

  it('without the mapping, finds each renamed external as a changed reference (exit 3), as JSON', async () => {
    const { code, stdout } = await run('audit', '--from', 'a', '--to', 'b', '--format', 'json');
    expect(code).toBe(3);
    const report = JSON.parse(stdout) as AuditReport;
    expect(report.format).toBe('bascule.audit/v1');
    expect(report.summary.clean).toBe(false);
    const changed = report.differences.filter((d) => d.type === 'changed').map((d) => `${d.key} ${d.field}`);
    expect(changed).toEqual(
      expect.arrayContaining([
        'server:web-1 refs.flavor',
        'server:web-1 refs.image',
        'server:db-1 refs.flavor',
        'router:edge refs.external_network',
        'volume:db-data refs.volume_type',
      ]),
    );
    const fip = report.differences.find((d) => d.kind === 'floating_ip');
    expect(fip).toMatchObject({
      type: 'changed',
      field: 'refs.floating_network',
      source: ['external:network:ext-net'],
      target: ['external:network:internet'],
    });
    expect(report.summary.changed).toBe(changed.length);
  });

  it('sees a change made on the target, writes every report 0600 and never changes a cloud', async () => {
    const b = await c.connect('b');
    const networks = await b.network.get<{ networks: { id: string; name: string }[] }>('/networks?name=back');
    await b.network.put(`/networks/${networks.networks[0]!.id}`, { network: { description: 'changed by hand' } });
    c.sim.clearLog();
    const dir = c.dir;
    const { code, stdout, stderr } = await run(
      'audit',
      '--from',
      'a',
      '--to',
      'b',
      '--mapping',
      mapping,
      '--report',
      join(dir, 'r.json'),
      '--report',
      join(dir, 'r.md'),
      '--report',
      join(dir, 'r.html'),
    );
    expect(code).toBe(3);
    expect(stdout).toContain('DIFFERENCES FOUND');
    expect(stdout).toMatch(/changed\s+network:back\s+spec\.description\s+\(absent\)\s+changed by hand/);
    expect(stderr).toContain(`report written to ${join(dir, 'r.html')}`);
    const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as AuditReport;
    expect(json.differences.filter((d) => d.type === 'changed')).toEqual([
      {
        type: 'changed',
        kind: 'network',
        key: 'network:back',
        target_key: 'network:back',
        field: 'spec.description',
        target: 'changed by hand',
      },
    ]);
    expect(await readFile(join(dir, 'r.md'), 'utf8')).toContain(
      '| changed | network:back | spec.description |  | changed by hand |',
    );
    expect(await readFile(join(dir, 'r.html'), 'utf8')).toContain('changed by hand');
    // The report records the mapping it used: its path and the SHA-256 of its bytes, in every form.
    const sha256 = createHash('sha256')
      .update(await readFile(mapping))
      .digest('hex');
    expect(json.inputs).toEqual({ mapping: { file: resolve(mapping), sha256 } });
    expect(stdout).toContain(`with mapping ${resolve(mapping)} (sha256 ${sha256.slice(0, 16)}...)`);
    expect(await readFile(join(dir, 'r.md'), 'utf8')).toContain(`mapping ${resolve(mapping)}`);
    expect(await readFile(join(dir, 'r.html'), 'utf8')).toContain(`sha256 ${sha256.slice(0, 16)}`);
    for (const f of ['r.json', 'r.md', 'r.html']) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    expect(mutations('a')).toEqual([]);
    expect(mutations('b')).toEqual([]);
    await b.network.put(`/networks/${networks.networks[0]!.id}`, { network: { description: '' } });
  });

  it('compares a plan with a live project (--plan), and restricts kinds', async () => {
    const planFile = join(c.dir, 'a.plan.json');
    await writePlan(planFile, await c.export('a'));
    const whole = await run('audit', '--plan', planFile, '--to', 'b', '--mapping', mapping, '--format', 'json');
    expect(whole.code).toBe(0);
    const report = JSON.parse(whole.stdout) as AuditReport;
    expect(report.source.description).toBe(`plan ${planFile}`);
    expect(report.summary.compared).toBeGreaterThan(20);
    const only = await run('audit', '--plan', planFile, '--to', 'b', '--kinds', 'network,subnet', '--format', 'json');
    expect(only.code).toBe(0);
    expect(Object.keys((JSON.parse(only.stdout) as AuditReport).per_kind).sort()).toEqual(['network', 'subnet']);
    // A kind whose references lead outside --kinds (a port's network, subnets, groups): those entries are matched
    // anyway, so the references compare as the target objects they were matched to (they were "unmatched:" before).
    const ports = await run('audit', '--plan', planFile, '--to', 'b', '--mapping', mapping, '--kinds', 'port,server');
    expect(ports.code, ports.stdout).toBe(0);
  });
});

describe('bascule audit: usage errors (exit 2, no cloud called)', () => {
  it.each([
    [['audit', '--to', 'b'], 'exactly one of --from CLOUD or --plan FILE'],
    [['audit', '--from', 'a'], 'audit needs --to CLOUD'],
    [
      ['audit', '--from', 'a', '--to', 'b', '--report', 'out.pdf'],
      '"--report out.pdf: the type comes from the extension',
    ],
    [['audit', '--from', 'a', '--to', 'b', '--kinds', 'servers'], '--kinds: unknown kind "servers"'],
    [['audit', '--from', 'a', '--plan', 'p.json', '--to', 'b'], 'mutually exclusive'],
  ])('%j', async (argv, message) => {
    c.sim.clearLog();
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message.replace(/^"/, ''));
    expect(c.sim.requestLog('a')).toEqual([]);
    expect(c.sim.requestLog('b')).toEqual([]);
  });

  it('a bad mapping names the line and changes nothing', async () => {
    const bad = join(c.dir, 'bad.yaml');
    await writeFile(bad, 'format: bascule.mapping/v1\nflavors:\n  - { from: { name: m1.small } }\n');
    c.sim.clearLog();
    const { code, stderr } = await run('audit', '--from', 'a', '--to', 'b', '--mapping', bad);
    expect(code).toBe(2);
    expect(stderr).toContain('bad.yaml');
    expect(c.sim.requestLog('b')).toEqual([]);
  });
});
