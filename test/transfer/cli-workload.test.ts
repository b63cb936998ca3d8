// `bascule apply --from` with workload data, on two simulated clouds: flag checks (exit 2, nothing sent), the dry
// run's data estimate (and no change on either cloud), then the apply moving disks and volumes.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import type { Simulator } from '../../src/sim/index.js';

import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';

let env: TwoSimClouds;
let sim: Simulator;
let dir: string;
let cloudsYaml: string;
let planPath: string;
let source: Cloud;
let target: Cloud;

beforeAll(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-cli-workload-',
    shop: {
      images: [{ name: 'base', disk_format: 'qcow2', container_format: 'bare', data: { size: '1MiB', seed: 'base' } }],
      networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.1.0.0/24' }] }],
      volumes: [{ name: 'data', size: 1 }],
      servers: [{ name: 'app', flavor: 'm1.tiny', image: 'base', networks: [{ network: 'net' }], volumes: ['data'] }],
    },
  });
  ({ sim, source, target } = env);
  dir = env.dir;
  cloudsYaml = env.cloudsYaml;
  const plan = await env.exportSource();
  planPath = join(dir, 'shop.plan.json');
  await writeFile(planPath, JSON.stringify(plan, null, 2));
});

afterAll(async () => {
  await env?.stop();
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--clouds-yaml', cloudsYaml, ...argv], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, out: out.join(''), err: err.join('') };
}

const mutations = (cloud: string) =>
  sim
    .requestLog(cloud)
    .filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) && !e.route.includes('/auth/tokens'));

describe('bascule apply --from (workload data)', () => {
  it('refuses bad workload flags with exit 2 before contacting any cloud', async () => {
    sim.clearLog();
    const bad = [
      ['--from', 'src', '--transfer-concurrency', '0'],
      ['--from', 'src', '--server-disk', 'copy'],
      ['--from', 'src', '--server-disk', 'app=teleport'],
      ['--keep-temporary'],
      ['--from', 'src', '--consistency', 'sometimes'],
    ];
    for (const flags of bad) {
      const r = await run(['apply', planPath, '--to', 'dst', '--yes', ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
    }
    expect(sim.requestLog('src')).toEqual([]);
    expect(sim.requestLog('dst')).toEqual([]);
  });

  it('the dry run states the bytes that will move and changes nothing on either cloud', async () => {
    sim.clearLog();
    const r = await run(['apply', planPath, '--to', 'dst', '--from', 'src', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Workload data: 1 image, 1 server disk \(snapshot\), 1 volume: up to 1\.0 GiB to move/);
    expect(mutations('src')).toEqual([]);
    expect(mutations('dst')).toEqual([]);
    const rebuilt = await run([
      'apply',
      planPath,
      '--to',
      'dst',
      '--from',
      'src',
      '--dry-run',
      '--server-disk',
      'app=base-image',
    ]);
    expect(rebuilt.out).toMatch(/Workload data: 1 image, 1 volume: up to/);
    const json = await run(['--format', 'json', 'apply', planPath, '--to', 'dst', '--from', 'src', '--dry-run']);
    expect(
      JSON.parse(json.out)
        .changes.data.items.map((i: { what: string }) => i.what)
        .sort(),
    ).toEqual(['image bytes', 'server disk (snapshot)', 'volume bytes']);
  });

  it('applies with the data: the server boots from its disk copy, the source is restarted, temporaries are gone', async () => {
    const r = await run([
      'apply',
      planPath,
      '--to',
      'dst',
      '--from',
      'src',
      '--yes',
      '--restart-source',
      '--transfer-concurrency',
      '1',
      '--journal',
      join(dir, 'j.jsonl'),
    ]);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    const onTarget = [];
    for await (const s of servers.list(target.compute)) onTarget.push(s);
    expect(onTarget.map((s) => [s.name, s.status])).toEqual([['app', 'ACTIVE']]);
    for await (const s of servers.list(source.compute)) expect(s.status).toBe('ACTIVE');
    for (const cloud of [source, target]) {
      for await (const image of images.list(cloud.image)) expect(image['bascule_temporary']).toBeUndefined();
    }
    const again = await run(['apply', planPath, '--to', 'dst', '--from', 'src', '--dry-run']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/Workload data: nothing to move/);
  }, 120_000);
});
