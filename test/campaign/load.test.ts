// The campaign file: every problem at once with its pointer and line, exit 2, and no request to any cloud.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignInvalidError, loadCampaign, parseCampaign } from '../../src/campaign/load.js';
import { cli, startCampaignClouds, type SimCampaign } from './sim-campaign.js';

let c: SimCampaign;
let dir: string;
beforeAll(async () => {
  c = await startCampaignClouds(1);
  dir = mkdtempSync(join(tmpdir(), 'bascule-campaign-load-'));
});
afterAll(async () => c?.stop());

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('campaign file', () => {
  it('reads defaults, waves and projects, with the target project defaulting to the source name', async () => {
    write('map.yaml', 'format: bascule.mapping/v1\n');
    const file = write(
      'good.yaml',
      `format: bascule.campaign/v1
name: pi
defaults:
  source: { cloud: old, region: r1 }
  target: { cloud: new }
  mapping: map.yaml
  options: { consistency: stop, restart_source: true, kinds: [network, security-group] }
waves:
  - name: w1
    max_failures: 1
    projects:
      - source: { project: web }
      - id: db-prod
        source: { project_id: 0123abcd }
        target: { project: db, cloud: new2 }
        options: { consistency: live }
`,
    );
    const campaign = await loadCampaign(file);
    expect(campaign.waves[0]!.maxFailures).toBe(1);
    const [web, db] = campaign.waves[0]!.projects;
    expect(web).toMatchObject({
      id: 'web',
      source: { cloud: 'old', region: 'r1', project: 'web' },
      target: { cloud: 'new', project: 'web' },
      mapping: join(dir, 'map.yaml'),
      options: { consistency: 'stop', restartSource: true, kinds: ['network', 'security_group'] },
    });
    expect(db).toMatchObject({
      id: 'db-prod',
      source: { projectId: '0123abcd' },
      target: { cloud: 'new2', project: 'db' },
      options: { consistency: 'live', restartSource: true },
    });
  });

  it(
    'every problem at once, with pointer and line: duplicate source, shared target, unsafe names, bad mapping, unknown fields',
    { timeout: 120_000 },
    async () => {
      write('bad-map.yaml', 'format: bascule.mapping/v1\nflavors: nope\n');
      const file = write(
        'bad.yaml',
        `format: bascule.campaign/v1
name: pi
defaults:
  source: { cloud: src }
  target: { cloud: dst }
waves:
  - name: w1
    projects:
      - source: { project: p01 }
        mapping: bad-map.yaml
      - id: again
        source: { project: p01 }
        target: { project: other }
      - id: into-same
        source: { project: p02 }
        target: { project: p01 }
      - source: { project: "../../etc" }
      - id: "../escape"
        source: { project: p03 }
        colour: blue
`,
      );
      let error: CampaignInvalidError | undefined;
      try {
        await loadCampaign(file);
      } catch (e) {
        error = e as CampaignInvalidError;
      }
      expect(error).toBeInstanceOf(CampaignInvalidError);
      expect(error!.issues.map((i) => `${i.code} ${i.path} ${i.line}`)).toEqual(
        expect.arrayContaining([
          'CAMPAIGN_MAPPING_INVALID /waves/0/projects/0/mapping 10',
          'CAMPAIGN_DUPLICATE_SOURCE /waves/0/projects/1/source 12',
          'CAMPAIGN_DUPLICATE_TARGET /waves/0/projects/2/target 16',
          'CAMPAIGN_UNSAFE_NAME /waves/0/projects/3/source/project 17',
          'SCHEMA_PATTERN /waves/0/projects/4/id 18',
          'SCHEMA_UNKNOWN_FIELD /waves/0/projects/4/colour 20',
        ]),
      );
      const r = await cli(c.cloudsYaml, ['batch', 'plan', file]);
      expect(r.code).toBe(2);
      for (const code of [
        'CAMPAIGN_MAPPING_INVALID',
        'CAMPAIGN_DUPLICATE_SOURCE',
        'CAMPAIGN_DUPLICATE_TARGET',
        'CAMPAIGN_UNSAFE_NAME',
        'SCHEMA_PATTERN',
        'SCHEMA_UNKNOWN_FIELD',
      ])
        expect(r.err).toContain(code);
      expect(r.err).toMatch(/\/waves\/0\/projects\/0\/mapping \(line 10, column 18\)/);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
      expect((await cli(c.cloudsYaml, ['batch', 'run', file, '--approve-all'])).code).toBe(2);
      expect((await cli(c.cloudsYaml, ['batch', 'status', file])).code).toBe(2);
      expect(c.sim.requestLog()).toEqual([]);
    },
  );

  it('operator steps: read with defaults, and refused where they cannot work, by pointer', async () => {
    const good = write(
      'operator.yaml',
      `format: bascule.campaign/v1
name: ops
defaults:
  source: { cloud: src }
  target: { cloud: dst }
  operator: { cloud: dst-admin, source_cloud: src-admin, roles: { role_names: { admin: member } } }
waves:
  - name: w1
    projects:
      - source: { project: a }
        operator: { create_project: { tags: [pi] }, quotas: { from_source: true, compute: { cores: 8 } } }
`,
    );
    const [a] = (await loadCampaign(good)).waves[0]!.projects;
    expect(a!.operator).toEqual({
      cloud: 'dst-admin',
      sourceCloud: 'src-admin',
      createProject: { tags: ['pi'] },
      quotas: { fromSource: true, compute: { cores: 8 } },
      roles: { userDomains: {}, roleNames: { _member_: 'member', admin: 'member' } },
    });
    const bad = write(
      'operator-bad.yaml',
      `format: bascule.campaign/v1
name: ops
defaults:
  source: { cloud: src }
  target: { cloud: dst }
waves:
  - name: w1
    projects:
      - source: { project: a }
        target: { project_id: 0123abcd }
        operator: { cloud: dst-admin, create_project: true }
      - source: { project: b }
        operator: { cloud: dst-admin, roles: true }
      - source: { project: c }
        operator: { cloud: dst-admin, quotas: { compute: { cores: -2 } }, create_project: { tags: ["a/b"] } }
      - source: { project: d }
        operator: { create_project: true }
`,
    );
    const r = await cli(c.cloudsYaml, ['batch', 'plan', bad]);
    expect(r.code).toBe(2);
    for (const line of [
      '/waves/0/projects/0/operator/create_project',
      '/waves/0/projects/1/operator/roles',
      '/waves/0/projects/2/operator/quotas/compute/cores',
      '/waves/0/projects/2/operator/create_project',
      '/waves/0/projects/3/operator ',
    ])
      expect(r.err).toContain(line);
    expect(r.err).toContain('CAMPAIGN_CREATE_NEEDS_NAME');
    expect(r.err).toContain('CAMPAIGN_ROLES_NEED_SOURCE_ADMIN');
    expect(r.err).toContain('CAMPAIGN_OPERATOR_NO_CLOUD');
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    expect(c.sim.requestLog()).toEqual([]);
  });

  it('syntax and format errors are located', () => {
    expect(parseCampaign('format: bascule.campaign/v1\nname: x\nname: y\nwaves: []\n').issues[0]).toMatchObject({
      line: 3,
    });
    expect(parseCampaign('format: bascule.plan/v1\n').issues[0]).toMatchObject({ code: 'CAMPAIGN_FORMAT' });
    expect(parseCampaign('').issues[0]).toMatchObject({ code: 'CAMPAIGN_EMPTY' });
  });
});
