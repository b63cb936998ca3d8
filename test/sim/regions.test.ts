import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BASIC_SEED, call, login, type Session } from './helpers.js';

describe('a cloud with two regions and a second cloud', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    sim = await startSimulator({
      clouds: [
        {
          name: 'multi',
          profile: 'zed',
          regions: ['nord', 'sud'],
          seed: { ...BASIC_SEED, resources: { demo: { region: 'sud', networks: [{ name: 'only-in-sud' }] } } },
        },
        { name: 'other', profile: 'pike', seed: BASIC_SEED },
      ],
    });
    s = await login(sim, 'multi', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());

  it('lists public, internal and admin endpoints for each region', () => {
    const compute = s.catalog.find((c) => c.type === 'compute')!;
    expect(compute.endpoints.map((e) => `${e.region}/${e.interface}`).sort()).toEqual([
      'nord/admin',
      'nord/internal',
      'nord/public',
      'sud/admin',
      'sud/internal',
      'sud/public',
    ]);
    expect(s.url('network', 'nord')).not.toBe(s.url('network', 'sud'));
    expect(sim.cloudsYaml().clouds['multi-demo']).toMatchObject({ region_name: 'nord', regions: ['nord', 'sud'] });
  });

  it('keeps each region its own resources; flavors and external networks are in every region', async () => {
    const names = async (region: string): Promise<string[]> =>
      (await call('GET', `${s.url('network', region)}/v2.0/networks`, { token: s.token })).body.networks
        .map((n: { name: string }) => n.name)
        .sort();
    expect(await names('sud')).toEqual(['only-in-sud', 'public']);
    expect(await names('nord')).toEqual(['public']);
    const flavors = await call('GET', `${s.url('compute', 'sud')}/flavors`, { token: s.token });
    expect(flavors.body.flavors).toHaveLength(2);
  });

  it('serves two clouds with separate identities and logs', async () => {
    const t = await login(sim, 'other', 'alice', 'alice-pw', 'demo');
    expect(t.projectId).not.toBe(s.projectId);
    const wrong = await call('GET', `${t.url('network')}/v2.0/networks`, { token: s.token });
    expect(wrong.status).toBe(401);
    sim.clearLog();
    await call('GET', `${t.url('network')}/v2.0/networks`, { token: t.token });
    expect(sim.counts('other')['GET /v2.0/networks']).toBe(1);
    expect(sim.counts('multi')['GET /v2.0/networks']).toBeUndefined();
  });
});
