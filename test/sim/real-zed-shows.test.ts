import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { Obj } from '../../src/sim/core/json.js';
import { call, login, type Session } from './helpers.js';

interface RecordedShow {
  service: string;
  path: string;
  headers: Record<string, string>;
  key: string;
  keys: string[];
}

/** Attribute names of single resources recorded from the real Zed (fixtures/sim/real-zed-shows.json). */
const recorded = JSON.parse(readFileSync('fixtures/sim/real-zed-shows.json', 'utf8')) as { shows: RecordedShow[] };

/** State, not API: the real servers are SHUTOFF (no `progress`), the sample's ACTIVE. */
const STATE_DEPENDENT = new Set(['progress']);

describe('the zed profile shows single resources as the real Zed', () => {
  let sim: Simulator;
  let s: Session;
  let token: Obj;
  const ids: Record<string, string> = {};
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
    const check = await call('GET', `${sim.endpoints('z').identity}/auth/tokens`, {
      token: s.token,
      headers: { 'x-subject-token': s.token },
    });
    token = check.body.token;
    ids['{server}'] = (
      await call('GET', `${s.url('compute')}/servers?name=pi-db-1`, { token: s.token })
    ).body.servers[0].id;
    ids['{internal-network}'] = (
      await call('GET', `${s.url('network')}/v2.0/networks?name=pi-back`, { token: s.token })
    ).body.networks[0].id;
    // A volume made from an image, as the recorded one (it carries volume_image_metadata).
    ids['{volume}'] = (await call('GET', `${s.url('volumev3')}/volumes/detail`, { token: s.token })).body.volumes.find(
      (v: Obj) => v.volume_image_metadata,
    ).id;
    ids['{project}'] = s.projectId;
  });
  afterAll(() => sim.stop());

  for (const show of recorded.shows) {
    it(`${show.service} ${show.path} ${JSON.stringify(show.headers)}`, async () => {
      let item: Obj;
      if (show.path === 'POST /auth/tokens') {
        item = token;
      } else {
        const path = show.path.replace(/\{[a-z-]+\}/g, (m) => ids[m]!);
        const base = show.service === 'identity' ? sim.endpoints('z').identity : s.url(show.service);
        const res = await call('GET', `${base}${path}`, { token: s.token, headers: show.headers });
        expect(res.status).toBe(200);
        const value = res.body[show.key];
        item = show.key === 'limits' ? value.absolute : Array.isArray(value) ? value[0] : value;
      }
      const drop = (keys: string[]): string[] => keys.filter((k) => !STATE_DEPENDENT.has(k)).sort();
      expect(drop(Object.keys(item))).toEqual(drop(show.keys));
    });
  }
});
