import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  invertMapping,
  loadMapping,
  validateMappingFile,
  type Mapping,
} from '../../src/mapping/index.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { checkPlan } from '../../src/plan/validate.js';

const DIR = 'plans/mappings';
const EXAMPLES = ['pi-hos8-to-pi-new.yaml', 'nubo-to-pi.yaml', 'pi-to-nubo.yaml'];

function webPlan(): Plan {
  return JSON.parse(readFileSync('plans/web-two-tier.plan.json', 'utf8')) as Plan;
}

function byKey(plan: Plan, key: string): PlanResource {
  return plan.resources.find((r) => r.key === key)!;
}

function setName(plan: Plan, key: string, name: string): void {
  (byKey(plan, key).spec as { name?: string }).name = name;
}

describe('example mappings (plans/mappings)', () => {
  for (const name of EXAMPLES) {
    it(`${name} is valid, without a warning`, async () => {
      const result = await validateMappingFile(`${DIR}/${name}`);
      expect(result.issues).toEqual([]);
      expect(result.mapping?.format).toBe('bascule.mapping/v1');
    });
  }

  it('pi-to-nubo is invert(nubo-to-pi) except the two differences its header documents', async () => {
    const inverse = invertMapping(await loadMapping(`${DIR}/nubo-to-pi.yaml`));
    expect(inverse.problems.map((p) => [p.severity, p.code])).toEqual([['warning', 'INVERT_SMALLEST_FIT']]);
    const written = await loadMapping(`${DIR}/pi-to-nubo.yaml`);
    // 1. the description is written for people.
    expect(inverse.mapping.description).toBe('Inverse of: Nubo to PI new platform');
    expect(written.description).toBe('PI new platform to Nubo');
    // 2. one more flavor rule, for the PI-only database flavor.
    const extra = written.flavors!.filter((rule) => rule.from.name === 'd1.large');
    expect(extra).toEqual([
      { from: { name: 'd1.large' }, to: { name: 'n2.xlarge' }, description: 'PI-only database flavor' },
    ]);
    const normalised: Mapping = {
      ...written,
      description: inverse.mapping.description!,
      flavors: written.flavors!.filter((rule) => rule.from.name !== 'd1.large'),
    };
    expect(normalised).toEqual(inverse.mapping);
  });

  it('pi-to-nubo does not invert exactly, and says why: two PI flavors go to n2.xlarge', async () => {
    const { problems } = invertMapping(await loadMapping(`${DIR}/pi-to-nubo.yaml`));
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => [p.path, p.code])).toEqual([['/flavors/4', 'INVERT_MANY_TO_ONE']]);
    expect(errors[0]!.message).toContain('"s1.xlarge"');
    expect(errors[0]!.message).toContain('"d1.large"');
  });

  it('pi-hos8-to-pi-new is one way, and invert names every rule that cannot come back', async () => {
    const { problems } = invertMapping(await loadMapping(`${DIR}/pi-hos8-to-pi-new.yaml`));
    expect(problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['warning', '/flavors/6/to/within', 'INVERT_WITHIN_DROPPED'],
      ['warning', '/flavors/6', 'INVERT_SMALLEST_FIT'],
      ['error', '/availability_zones/6/to', 'INVERT_DROPPED_ZONE'],
      ['error', '/volume_types/2', 'INVERT_MANY_TO_ONE'],
      ['error', '/exclude/kinds', 'INVERT_SELECTION'],
    ]);
  });

  it('pi-hos8-to-pi-new rewrites a PI plan from site nord for the new platform', async () => {
    const plan = webPlan();
    plan.provenance.region = 'region1';
    setName(plan, 'network:public', 'ext-net');
    for (const r of plan.resources) if (r.kind === 'server') r.spec.availability_zone = 'nord-az2';
    const out = applyMapping(plan, await loadMapping(`${DIR}/pi-hos8-to-pi-new.yaml`));
    expect(out.issues).toEqual([]);
    expect(out.resolution['flavor:m1.small']).toMatchObject({ strategy: 'name', name: 's1.small' });
    expect(out.resolution['image:ubuntu-22.04']).toMatchObject({ strategy: 'checksum', rule: '/images/3' });
    expect(out.resolution['network:public']).toMatchObject({ strategy: 'name', name: 'internet-nord' });
    expect(out.resolution['volume_type:ssd']).toMatchObject({ strategy: 'unchanged', name: 'ssd' });
    expect(byKey(out.plan, 'server:web-1').spec).toMatchObject({ availability_zone: 'nord-b' });
    expect(byKey(out.plan, 'volume:db-data').spec).not.toHaveProperty('availability_zone');
    expect(out.filtered).toEqual([{ key: 'quota:shop', reason: 'excluded', rule: '/exclude/kinds/0' }]);
    expect(checkPlan(JSON.parse(JSON.stringify(out.plan))).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('Nubo to PI and back: names, zones and external references come back as they were', async () => {
    const there = await loadMapping(`${DIR}/nubo-to-pi.yaml`);
    const back = await loadMapping(`${DIR}/pi-to-nubo.yaml`);
    const plan = webPlan();
    plan.provenance.region = 'nubo-est';
    setName(plan, 'flavor:m1.small', 'n2.small');
    setName(plan, 'flavor:m1.medium', 'n2.medium');
    setName(plan, 'image:ubuntu-22.04', 'ubuntu-22.04-nubo');
    setName(plan, 'network:public', 'nubo-internet');
    setName(plan, 'volume_type:ssd', 'performance');
    setName(plan, 'server:web-1', 'nubo-web-1');
    setName(plan, 'network:frontend', 'nubo-front');
    for (const r of plan.resources)
      if (r.kind === 'server' || r.kind === 'volume') r.spec.availability_zone = 'nubo-az3';

    const onPi = applyMapping(plan, there);
    expect(onPi.issues).toEqual([]);
    expect(byKey(onPi.plan, 'server:web-1').spec).toMatchObject({ name: 'pi-web-1', availability_zone: 'nord-c' });
    expect(onPi.resolution['volume_type:ssd']).toMatchObject({ name: 'ceph-ssd' });
    // Exported again from PI (region nord), then mapped back.
    const exported: Plan = { ...onPi.plan, provenance: { ...onPi.plan.provenance, region: 'nord', cloud: 'pi-new' } };
    const home = applyMapping(exported, back);
    expect(home.issues).toEqual([]);
    const comparable = (p: Plan) =>
      p.resources.map((r) => [
        r.key,
        (r.spec as { name?: string }).name,
        (r.spec as { availability_zone?: string }).availability_zone,
      ]);
    expect(comparable(home.plan)).toEqual(comparable(plan));
  });
});
