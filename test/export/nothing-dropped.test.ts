import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as images from '../../src/openstack/image/images/requests.js';
import type { Plan } from '../../src/plan/types.js';
import type { SeedFile } from '../../src/sim/index.js';
import { OLD, platformSeed } from '../roundtrip/seed.js';
import { basculeOn as bascule, startCloudsPerTest } from '../roundtrip/support.js';

/**
 * Nothing is dropped silently (issue 13): what the project owns that Bascule does not move is a warning kept in the
 * plan and repeated by the dry run, `--strict` makes it an error; one broken server is left out with a warning, not a
 * failed export; `--exclude` says what used what it left out; `--select` says what it dropped.
 */
const startClouds = startCloudsPerTest();

function seed(): SeedFile {
  const base = platformSeed(OLD);
  return {
    ...base,
    resources: {
      ...base.resources,
      shop: {
        images: [{ name: 'app', data: { size: '16KiB' }, disk_format: 'qcow2', container_format: 'bare' }],
        security_groups: [{ name: 'web' }, { name: 'db' }],
        networks: [{ name: 'net', subnets: [{ name: 'net-v4', cidr: '10.40.0.0/24', ip_version: 4 }] }],
        ports: [
          // A load balancer's VIP port (Octavia owns it): not something Bascule moves.
          { name: 'lb-vip', network: 'net', device_owner: 'Octavia' },
          { name: 'web-port', network: 'net', security_groups: ['web'] },
        ],
        servers: [
          { name: 'fine', flavor: `${OLD.flavors}.small`, image: 'app', networks: [{ network: 'net' }] },
          { name: 'broken', flavor: `${OLD.flavors}.tiny`, image: 'app', networks: [{ network: 'net' }] },
        ],
      },
    },
  };
}

describe('nothing is dropped silently', () => {
  it('keeps what Bascule does not move as plan warnings, repeated by the dry run; --strict refuses', async () => {
    const c = await startClouds([
      { name: 'a', profile: 'zed', seed: seed() },
      { name: 'b', profile: 'zed', seed: platformSeed(OLD) },
    ]);
    const d = (f: string) => join(c.dir, f);
    // The image's minimum disk grew after "broken" booted from it on a 1 GB flavor.
    const cloud = await c.connect('a');
    const app = c.sim.regionState('a').images.find((i) => i.name === 'app')!;
    await images.update(cloud.image, String(app.id), [{ op: 'add', path: '/min_disk', value: 5 }]);
    // "fine" was booted by another user of the project with that user's keypair: keypairs are per user, so the
    // exporting user cannot read it, and export must say it is not moved.
    const fine = c.sim
      .regionState('a')
      .servers.all()
      .find((s) => s.name === 'fine')!;
    fine.key_name = 'someone-elses-key';

    const exported = await bascule(c, 'export', '--os-cloud', 'a', '-o', d('plan.json'));
    expect(exported.code, exported.out).toBe(0);
    const plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    expect(plan.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'UNSUPPORTED_RESOURCE', kind: 'port', resource: 'lb-vip' }),
        expect.objectContaining({ code: 'SERVER_EXCLUDED', kind: 'server', resource: 'server:broken' }),
        expect.objectContaining({
          code: 'UNSUPPORTED_RESOURCE',
          kind: 'keypair',
          resource: 'someone-elses-key',
          message: expect.stringMatching(/keypairs belong to the user who made them, so it is another user's/),
        }),
      ]),
    );
    expect(plan.warnings?.some((w) => w.code === 'REF_DROPPED' && w.message.includes('someone-elses-key'))).toBe(false);
    expect(plan.resources.map((r) => r.key)).toContain('server:fine');
    expect(plan.resources.map((r) => r.key)).not.toContain('server:broken');
    expect(plan.resources.map((r) => r.key)).not.toContain('port:lb-vip');
    expect(exported.out).toContain('lb-vip');

    const validated = await bascule(c, 'validate', d('plan.json'));
    expect(validated.code, validated.out).toBe(0);

    const dry = await bascule(c, 'apply', d('plan.json'), '--from', 'a', '--to', 'b', '--dry-run');
    expect(dry.out).toMatch(/from the export: port lb-vip/);
    expect(dry.out).toMatch(/from the export: server:broken is left out/);

    const strict = await bascule(c, 'export', '--os-cloud', 'a', '--strict', '-o', d('strict.json'));
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('Bascule does not move');
    expect(strict.out).toContain('lb-vip');
    expect(strict.out).toContain('someone-elses-key');
    await expect(readFile(d('strict.json'))).rejects.toThrow();

    // apply --strict refuses the same plan before any cloud is contacted (exit 1, as export --strict).
    c.sim.clearLog();
    const strictApply = await bascule(c, 'apply', d('plan.json'), '--from', 'a', '--to', 'b', '--strict', '--yes');
    expect(strictApply.code).toBe(1);
    expect(strictApply.out).toMatch(
      /resources? Bascule does not move \(or could not check\), and --strict is set; nothing was applied/,
    );
    expect(strictApply.out).toContain('lb-vip');
    expect(c.sim.requestLog('a')).toEqual([]);
    expect(c.sim.requestLog('b')).toEqual([]);
  }, 90_000);

  it('--exclude names what used what it left out; --select says what it dropped', async () => {
    const c = await startClouds([{ name: 'a', profile: 'zed', seed: seed() }]);
    const d = (f: string) => join(c.dir, f);
    const excluded = await bascule(c, 'export', '--os-cloud', 'a', '--exclude', 'web', '-o', d('x.json'));
    expect(excluded.code, excluded.out).toBe(0);
    const plan = JSON.parse(await readFile(d('x.json'), 'utf8')) as Plan;
    expect(plan.resources.map((r) => r.key)).not.toContain('security_group:web');
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({
        code: 'EXCLUDED',
        resource: 'web',
        message: expect.stringContaining('used by port web-port') as unknown,
      }),
    );

    const selected = await bascule(c, 'export', '--os-cloud', 'a', '--select', 'fine', '-o', d('s.json'));
    expect(selected.code, selected.out).toBe(0);
    const some = JSON.parse(await readFile(d('s.json'), 'utf8')) as Plan;
    expect(some.warnings).toContainEqual(
      expect.objectContaining({ code: 'NOT_SELECTED', kind: 'server', message: '--select left out 1 server: broken' }),
    );
  }, 90_000);
});
