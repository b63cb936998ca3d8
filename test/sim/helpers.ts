import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { connect, loadCloudConfig, type Cloud } from '../../src/openstack/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { CloudOptions } from '../../src/sim/options.js';

export interface Session {
  token: string;
  projectId: string;
  catalog: CatalogEntry[];
  /** Endpoint URL of a service type (public interface, first region unless given). */
  url(type: string, region?: string): string;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region: string; url: string }[];
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** A request over real HTTP; the JSON body is parsed when the answer is JSON. */
export async function call(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: Buffer | string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers['x-auth-token'] = opts.token;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] ??= 'application/octet-stream';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await request(url, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  let parsed: unknown;
  if (String(res.headers['content-type'] ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}

export async function login(
  sim: Simulator,
  cloud: string,
  user: string,
  password: string,
  project: string,
): Promise<Session> {
  const res = await call('POST', `${sim.endpoints(cloud).identity}/auth/tokens`, {
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    },
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${res.text}`);
  const catalog = res.body.token.catalog as CatalogEntry[];
  return {
    token: String(res.headers['x-subject-token']),
    projectId: res.body.token.project.id,
    catalog,
    url(type, region) {
      const svc = catalog.find((c) => c.type === type);
      const ep = svc?.endpoints.find((e) => e.interface === 'public' && (region === undefined || e.region === region));
      if (!ep) throw new Error(`no ${type} endpoint`);
      return ep.url.replace(/\/$/, '');
    },
  };
}

/** A small seed: one project with a member, and a flavor, an image and an external network. */
export const BASIC_SEED = {
  projects: [{ name: 'demo' }, { name: 'other' }],
  users: [
    { name: 'alice', password: 'alice-pw' },
    { name: 'bob', password: 'bob-pw' },
    { name: 'rita', password: 'rita-pw' },
  ],
  role_assignments: [
    { user: 'alice', project: 'demo', role: 'member' },
    { user: 'bob', project: 'other', role: 'member' },
    { user: 'rita', project: 'demo', role: 'reader' },
  ],
  flavors: [
    { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
    { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20, extra_specs: { 'hw:cpu_policy': 'shared' } },
  ],
  volume_types: [{ name: 'standard' }],
  external_networks: [{ name: 'public', cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' }],
  resources: {
    demo: {
      images: [{ name: 'cirros', data: { size: '256KiB' }, visibility: 'public', disk_format: 'qcow2' }],
    },
  },
};

export async function startBasic(
  profile: CloudOptions['profile'],
  extra: Partial<CloudOptions> = {},
): Promise<Simulator> {
  return startSimulator({
    clouds: [
      {
        name: 'c',
        profile,
        seed: BASIC_SEED,
        delays: { serverBuildMs: 0, volumeCreateMs: 0, imageActiveMs: 0, serverPowerMs: 0, volumeAttachMs: 0 },
        ...extra,
      },
    ],
  });
}

/** Polls `get` until `done` holds (status transitions), failing after `ms`. */
export async function waitFor<T>(get: () => Promise<T>, done: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One simulated cloud `c` (BASIC_SEED) with Bascule clients of its users demo and other, through a clouds.yaml. */
export interface BasicClients {
  sim: Simulator;
  demo: Cloud;
  other: Cloud;
  /** Closes both clients, stops the simulator, removes the clouds.yaml's directory. */
  stop(): Promise<void>;
}

/** Starts the cloud `c` on `profile` and connects its users demo and other (as a user would, by clouds.yaml). */
export async function startBasicClients(profile: CloudOptions['profile'], dirPrefix: string): Promise<BasicClients> {
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  const sim = await startSimulator({ clouds: [{ name: 'c', profile, seed: BASIC_SEED }] });
  const file = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(file);
  const open = async (name: string) =>
    connect(await loadCloudConfig(name, { files: [file], env: {}, cwd: dir, home: dir }), {
      retry: { baseMs: 1, capMs: 5, maxRetries: 2 },
    });
  const demo = await open('c-demo');
  const other = await open('c-other');
  return {
    sim,
    demo,
    other,
    async stop() {
      await demo.close();
      await other.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
