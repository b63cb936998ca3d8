// docs/user-guide/batch-migration.md, "On the simulator: a project the campaign creates": the commands as written,
// on the walkthrough's own simulator (fixtures/sim/campaign.yaml) and campaign (plans/campaigns/pi-lab-campaign.yaml).
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimulatorConfig, startSimulator, type Simulator } from '../../src/sim/index.js';
import { cli } from './sim-campaign.js';

let sim: Simulator;
let clouds: string;
let file: string;

beforeAll(async () => {
  sim = await startSimulator(await loadSimulatorConfig('fixtures/sim/campaign.yaml'));
  const dir = mkdtempSync(join(tmpdir(), 'bascule-lab-'));
  clouds = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(clouds);
  mkdirSync(join(dir, 'lab'));
  file = join(dir, 'lab', 'pi-lab-campaign.yaml');
  copyFileSync('plans/campaigns/pi-lab-campaign.yaml', file);
});
afterAll(async () => sim?.stop());

const labProjects = () =>
  sim
    .identityState('new')
    .projects.all()
    .filter((p) => p.name === 'pi-lab');

describe('the operator-steps walkthrough', () => {
  it('plan, run, rollback (project deleted), run --approve-all, as the guide says', { timeout: 120_000 }, async () => {
    const plan = await cli(clouds, ['batch', 'plan', file]);
    expect(plan.code, plan.err).toBe(0);
    for (const line of [
      'pi-lab: would create project Default/pi-lab (tags pi, bascule-created)',
      'pi-lab: would set quota compute instances: default -> 4 (from the source)',
      'pi-lab: would set quota compute cores: default -> 16 (from the file)',
      'pi-lab: would set quota network router: default -> 2 (from the source)',
      'pi-lab: would give Default/campaign-ops role member (source)',
      'pi-lab: would give Default/lab-alice role member (source)',
      'pi-lab: user Default/lab-bob not found on the target: roles member not given (never created)',
    ])
      expect(plan.err).toContain(line);
    expect(labProjects()).toEqual([]);
    const run = await cli(clouds, ['batch', 'run', file]);
    expect(run.code, run.err).toBe(0);
    expect(labProjects()).toHaveLength(1);
    const back = await cli(clouds, ['batch', 'rollback', file, '--project', 'pi-lab', '--yes']);
    expect(back.code, back.err).toBe(0);
    expect(back.out).toMatch(
      /pi-lab\s+yes\s+4\s+0\s+0\s+2 role grant\(s\) revoked, 2 quota set\(s\) restored, project deleted/,
    );
    expect(labProjects()).toEqual([]);
    const again = await cli(clouds, ['batch', 'run', file, '--approve-all']);
    expect(again.code, again.err).toBe(0);
    expect(labProjects()).toHaveLength(1);
    const status = await cli(clouds, ['batch', 'status', file]);
    expect(status.out).toMatch(/new-projects\s+pi-lab\s+done\s+audited/);
  });
});
