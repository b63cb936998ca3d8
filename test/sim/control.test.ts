import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BASIC_SEED, call, login, startBasic, type Session } from './helpers.js';

describe('faults, latency and the request log', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    sim = await startBasic('zed');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());
  const nets = (): string => `${s.url('network')}/v2.0/networks`;

  it('injects a 503 with Retry-After once, then serves normally', async () => {
    sim.setFaults('c', [{ kind: 'error', status: 503, count: 1, retryAfterSeconds: 7, service: 'network' }]);
    const first = await call('GET', nets(), { token: s.token });
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('7');
    expect(first.body.NeutronError.type).toBe('HTTPError');
    expect((await call('GET', nets(), { token: s.token })).status).toBe(200);
    sim.setFaults('c', []);
  });

  it('injects 429 with Retry-After in Nova shape and 500 on a chosen route', async () => {
    sim.setFaults('c', [
      { kind: 'error', status: 429, service: 'compute', route: 'GET /v2.1/flavors', count: 1 },
      { kind: 'error', status: 500, route: '/v2.0/networks/{id}', count: 1 },
    ]);
    const limited = await call('GET', `${s.url('compute')}/flavors`, { token: s.token });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.overLimit).toMatchObject({ code: 429, retryAfter: '1' });
    expect((await call('GET', nets(), { token: s.token })).status).toBe(200);
    const broken = await call('GET', `${nets()}/whatever`, { token: s.token });
    expect(broken.status).toBe(500);
    sim.setFaults('c', []);
  });

  it('resets the connection', async () => {
    sim.setFaults('c', [{ kind: 'reset', count: 1 }]);
    await expect(call('GET', nets(), { token: s.token })).rejects.toThrow();
    expect((await call('GET', nets(), { token: s.token })).status).toBe(200);
    const entries = sim.requestLog('c').filter((e) => e.fault === 'reset');
    expect(entries).toHaveLength(1);
  });

  it('slows a body down without corrupting it', async () => {
    sim.setFaults('c', [{ kind: 'slow', delayMs: 300, count: 1 }]);
    const started = Date.now();
    const res = await call('GET', nets(), { token: s.token });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.body.networks.map((n: { name: string }) => n.name)).toContain('public');
    sim.setFaults('c', []);
  });

  it('expires the token on demand (401, and it stays expired)', async () => {
    const t = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    sim.setFaults('c', [{ kind: 'token-expiry', count: 1 }]);
    const first = await call('GET', nets(), { token: t.token });
    expect(first.status).toBe(401);
    expect(first.headers['www-authenticate']).toBe(
      `Keystone uri="${sim.endpoints('c').identity.replace(/\/v3$/, '')}"`,
    );
    expect(first.body).toEqual({
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
    const glance = await call('GET', `${s.url('image')}/v2/images`, { token: 'bogus' });
    expect(glance.status).toBe(401);
    expect(glance.body.code).toBe('401 Unauthorized');
    expect((await call('GET', nets(), { token: t.token })).status).toBe(401);
    const fresh = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    expect((await call('GET', nets(), { token: fresh.token })).status).toBe(200);
    sim.setFaults('c', []);
  });

  it('logs requests with templated routes and counts them', async () => {
    sim.clearLog();
    const id = (await call('GET', nets(), { token: s.token })).body.networks[0].id;
    await call('GET', `${nets()}/${id}`, { token: s.token });
    await call('GET', `${nets()}/${id}`, { token: s.token });
    const counts = sim.counts('c');
    expect(counts['GET /v2.0/networks']).toBe(1);
    expect(counts['GET /v2.0/networks/{id}']).toBe(2);
    const entry = sim.requestLog('c').at(-1)!;
    expect(entry).toMatchObject({
      service: 'network',
      method: 'GET',
      route: 'GET /v2.0/networks/{id}',
      status: 200,
      region: 'RegionOne',
      path: `/v2.0/networks/${id}`,
    });
    expect(entry.ms).toBeGreaterThanOrEqual(0);
  });

  it('adds latency (fixed plus jitter)', async () => {
    sim.setLatency('c', { fixedMs: 60, jitterMs: 20 });
    sim.clearLog();
    await call('GET', nets(), { token: s.token });
    expect(sim.requestLog('c')[0]!.ms).toBeGreaterThanOrEqual(59);
    sim.setLatency('c', {});
  });

  it('draws rate-based faults reproducibly from the random seed', async () => {
    const run = async (): Promise<number[]> => {
      const local = await startSimulator({
        clouds: [
          {
            name: 'r',
            profile: 'zed',
            seed: BASIC_SEED,
            randomSeed: 42,
            faults: [{ kind: 'error', status: 503, rate: 0.5, service: 'network' }],
          },
        ],
      });
      try {
        const t = await login(local, 'r', 'alice', 'alice-pw', 'demo');
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++)
          statuses.push((await call('GET', `${t.url('network')}/v2.0/networks`, { token: t.token })).status);
        return statuses;
      } finally {
        await local.stop();
      }
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('refuses bad fault rules', () => {
    expect(() => sim.setFaults('c', [{ kind: 'boom' as 'error' }])).toThrow(/kind/);
    expect(() => sim.setFaults('c', [{ kind: 'error', rate: 2 }])).toThrow(/rate/);
  });
});
