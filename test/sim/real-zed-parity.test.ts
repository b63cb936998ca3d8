import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { call, login, type Session } from './helpers.js';

interface RecordedCase {
  service: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  expect: { status: number; contentType: string; body: unknown };
}

/** Error answers recorded from the real Zed (fixtures/sim/real-zed-errors.json); the zed profile must give the same. */
const recorded = JSON.parse(readFileSync('fixtures/sim/real-zed-errors.json', 'utf8')) as { cases: RecordedCase[] };
const ZERO = '00000000-0000-4000-8000-000000000000';

function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (m) => (m === ZERO ? m : '{uuid}'))
      .replace(/[0-9a-f]{32}/g, '{hex}'),
  );
}

describe('the zed profile answers errors exactly as the real Zed', () => {
  let sim: Simulator;
  let s: Session;
  let sg: string;
  beforeAll(async () => {
    sim = await startSimulator({
      clouds: [
        {
          name: 'z',
          profile: 'zed',
          seed: 'fixtures/sim/sample-project.yaml',
          availabilityZones: ['nord-az1', 'nord-az2', 'nord-az3'],
        },
      ],
    });
    s = await login(sim, 'z', 'pi-ops', 'pi-ops-secret', 'pi-web');
    sg = (await call('GET', `${s.url('network')}/v2.0/security-groups?name=pi-web`, { token: s.token })).body
      .security_groups[0].id;
  });
  afterAll(() => sim.stop());

  for (const c of recorded.cases) {
    it(`${c.method} ${c.service} ${c.path} ${JSON.stringify(c.headers)}`, async () => {
      const base = c.service === 'identity' ? sim.endpoints('z').identity : s.url(c.service);
      const body = c.body === undefined ? undefined : JSON.parse(JSON.stringify(c.body).replaceAll('{sg}', sg));
      const res = await call(c.method, `${base}${c.path}`, {
        token: s.token,
        headers: c.headers,
        ...(body !== undefined ? { body } : {}),
      });
      expect(res.status).toBe(c.expect.status);
      expect(String(res.headers['content-type']).split(';')[0]).toBe(c.expect.contentType);
      expect(normalise(res.body ?? res.text)).toEqual(c.expect.body);
    });
  }
});
