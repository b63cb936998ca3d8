// A downgrade (2025.1 back to Pike): the dry run names every field of the plan that the older target lacks, with
// what it lacks; the apply leaves those fields out (Pike would refuse them) and a second dry run changes nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedAction } from '../../src/engine/actions.js';
import { FIELD_REQUIREMENTS, unsupportedFields } from '../../src/engine/capabilities.js';
import type { PlanResource } from '../../src/plan/types.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../support/cli.js';

const PLATFORM = {
  projects: [{ name: 'shop' }],
  users: [{ name: 'ops', password: 'ops-pw' }],
  role_assignments: [{ user: 'ops', project: 'shop', role: 'member' }],
  flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
};
const FAST = { serverBuildMs: 0, volumeCreateMs: 0, imageActiveMs: 0, serverPowerMs: 0, volumeAttachMs: 0 };

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({
    clouds: [
      {
        name: 'new',
        profile: '2025.1',
        delays: FAST,
        seed: {
          ...PLATFORM,
          resources: {
            shop: {
              images: [
                { name: 'app', disk_format: 'raw', container_format: 'bare', data: { size: '8KiB', seed: 'a' } },
              ],
              security_groups: [{ name: 'stateless', stateful: false }],
              server_groups: [{ name: 'spread', policy: 'anti-affinity', rules: { max_server_per_host: 2 } }],
            },
          },
        } as never,
      },
      { name: 'old', profile: 'pike', delays: FAST, seed: PLATFORM as never },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'bascule-downgrade-'));
  await sim.writeCloudsYaml(join(dir, 'clouds.yaml'));
});
afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(['--clouds-yaml', join(dir, 'clouds.yaml'), ...argv]);

describe('downgrade: 2025.1 back to Pike', () => {
  it('names in the dry run every field Pike lacks, leaves them out, and applies', async () => {
    const plan = join(dir, 'new.plan.json');
    expect((await cli('export', '--os-cloud', 'new', '-o', plan)).code).toBe(0);
    const dry = await cli('apply', plan, '--to', 'old', '--from', 'new', '--dry-run', '--format', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    const actions = (JSON.parse(dry.stdout) as { changes: { actions: PlannedAction[] } }).changes.actions;
    const by = (key: string) => actions.find((a) => a.key === key)!;
    expect(by('image:app')).toMatchObject({ action: 'lossy', lossy: ['os_hash_algo', 'os_hash_value'] });
    expect(by('image:app').unsupported!['os_hash_value']).toContain('multihash');
    expect(by('security_group:stateless')).toMatchObject({ action: 'lossy', lossy: ['stateful'] });
    expect(by('security_group:stateless').unsupported!['stateful']).toContain('stateful-security-group');
    expect(by('server_group:spread')).toMatchObject({ action: 'lossy', lossy: ['rules'] });
    // The table says it too, with the reason.
    const table = await cli('apply', plan, '--to', 'old', '--from', 'new', '--dry-run');
    expect(table.stdout).toContain('not kept: rules (compute before 2.64 (Rocky) has no server group rules)');

    const applied = await cli('apply', plan, '--to', 'old', '--from', 'new', '--yes');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const again = await cli('apply', plan, '--to', 'old', '--from', 'new', '--dry-run', '--format', 'json');
    const second = (JSON.parse(again.stdout) as { changes: { actions: PlannedAction[] } }).changes.actions;
    expect(second.filter((a) => a.action !== 'no-op')).toEqual([]);
  }, 120_000);

  it('the same plan to a target of the same release loses nothing', async () => {
    const entry = (kind: string, spec: object) => ({ kind, key: `${kind}:x`, spec }) as unknown as PlanResource;
    const modern = {
      extensions: new Set(['stateful-security-group', 'dns-integration']),
      compute: '2.100',
      image: '2.17',
    };
    expect(unsupportedFields(entry('security_group', { name: 'x', stateful: false }), modern)).toEqual([]);
    expect(
      unsupportedFields(
        entry('server_group', { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: 2 } }),
        modern,
      ),
    ).toEqual([]);
    // Stateful (the default) needs nothing, even on Pike.
    const pike = { extensions: new Set(['router']), compute: '2.53', image: '2.5' };
    expect(unsupportedFields(entry('security_group', { name: 'x', stateful: true }), pike)).toEqual([]);
    expect(unsupportedFields(entry('server_group', { name: 'x', policy: 'soft-anti-affinity' }), pike)).toEqual([]);
    // Unknown capabilities call nothing lossy.
    expect(unsupportedFields(entry('image', { name: 'x', os_hash_value: 'ab' }), { extensions: new Set() })).toEqual(
      [],
    );
    expect(Object.keys(FIELD_REQUIREMENTS).length).toBeGreaterThan(5);
  });
});
