import type { IdentityState } from './state/identity.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { atomicWriteFile } from '../shared/fs.js';
import { SimCloud } from './cloud.js';
import { diskReady, writeDisk } from './nova/disks.js';
import { validateFaultRules, type FaultRule } from './control/faults.js';
import { RequestLog, type LogEntry } from './control/log.js';
import type { Obj } from './core/json.js';
import { isProfileName, PROFILE_NAMES } from './profiles.js';
import type { Latency, SimulatorOptions } from './options.js';
import { ClientBandwidth } from './control/bandwidth.js';
import type { RegionEndpoints } from './keystone/catalog.js';
import { applySeed } from './seed/apply.js';
import { dumpCloud, type DumpOptions } from './seed/dump.js';
import { loadSeedFile, validateSeed } from './seed/load.js';
import type { SeedFile } from './seed/types.js';
import type { RegionState } from './state/region.js';

export interface CloudEndpoints {
  identity: string;
  regions: Record<string, RegionEndpoints>;
}

/** A running simulator: one or several clouds, each on its own ports. */
export class Simulator {
  readonly #clouds = new Map<string, SimCloud>();
  readonly #log = new RequestLog();
  readonly dataDir: string;
  readonly #ownsDataDir: boolean;

  private constructor(dataDir: string, ownsDataDir: boolean) {
    this.dataDir = dataDir;
    this.#ownsDataDir = ownsDataDir;
  }

  /** Use startSimulator(). */
  static async start(options: SimulatorOptions): Promise<Simulator> {
    if (!Array.isArray(options.clouds) || options.clouds.length === 0)
      throw new TypeError('startSimulator: clouds must list at least one cloud');
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'bascule-sim-')));
    const sim = new Simulator(dataDir, options.dataDir === undefined);
    const bandwidth = options.clientBandwidth !== undefined ? new ClientBandwidth(options.clientBandwidth) : undefined;
    try {
      for (const [i, opts] of options.clouds.entries()) {
        if (!isProfileName(opts.profile))
          throw new TypeError(
            `clouds[${i}].profile: unknown profile ${String(opts.profile)} (expected ${PROFILE_NAMES.join(', ')})`,
          );
        if (sim.#clouds.has(opts.name)) throw new TypeError(`clouds[${i}].name: duplicate cloud name ${opts.name}`);
        if (opts.faults) validateFaultRules(opts.faults, `clouds[${i}].faults`);
        const cloud = new SimCloud(opts, dataDir, sim.#log, bandwidth);
        sim.#clouds.set(opts.name, cloud);
        await cloud.start(options.host ?? '127.0.0.1');
        if (opts.seed !== undefined) {
          const { seed, baseDir } =
            typeof opts.seed === 'string'
              ? await loadSeedFile(opts.seed)
              : { seed: validateSeed(opts.seed, `clouds[${i}].seed`), baseDir: process.cwd() };
          await applySeed(
            {
              identity: cloud.identity,
              regions: cloud.regions,
              adminProjectId: cloud.adminProjectId,
              adminUserId: cloud.adminUserId,
            },
            seed,
            baseDir,
            cloud.defaultRegion,
          );
        }
      }
    } catch (error) {
      await sim.stop();
      throw error;
    }
    return sim;
  }

  #cloud(name: string): SimCloud {
    const c = this.#clouds.get(name);
    if (!c) throw new TypeError(`no simulated cloud named ${name}`);
    return c;
  }

  get cloudNames(): string[] {
    return [...this.#clouds.keys()];
  }

  endpoints(cloud: string): CloudEndpoints {
    const c = this.#cloud(cloud);
    return {
      identity: `${c.keystoneUrl}/v3`,
      regions: Object.fromEntries([...c.regions.keys()].map((r) => [r, c.endpoints(r)])),
    };
  }

  /**
   * clouds.yaml content: per cloud, `<cloud>-admin`, one `<cloud>-<project>` entry per project (its first
   * user), `<cloud>-<project>-<user>` for further users, and `<cloud>` for the first seeded project.
   */
  cloudsYaml(): { clouds: Record<string, Obj> } {
    const clouds: Record<string, Obj> = {};
    for (const c of this.#clouds.values()) {
      const regions = [...c.regions.keys()];
      const entry = (userId: string, projectId: string): Obj | undefined => {
        const user = c.identity.users.get(userId);
        const project = c.identity.projects.get(projectId);
        const password = c.identity.passwords.get(userId);
        if (!user || !project || password === undefined) return undefined;
        const domainName = (id: unknown): string => String(c.identity.domains.get(String(id))?.name ?? 'Default');
        return {
          auth: {
            auth_url: `${c.keystoneUrl}/v3`,
            username: user.name,
            password,
            project_name: project.name,
            user_domain_name: domainName(user.domain_id),
            project_domain_name: domainName(project.domain_id),
          },
          region_name: regions[0],
          ...(regions.length > 1 ? { regions } : {}),
          identity_api_version: 3,
          interface: 'public',
        };
      };
      const admin = entry(c.adminUserId, c.adminProjectId);
      if (admin) clouds[`${c.name}-admin`] = admin;
      const seen = new Set<string>();
      for (const a of c.identity.assignments) {
        if (a.project_id === c.adminProjectId) continue;
        const project = String(c.identity.projects.get(a.project_id)?.name);
        const e = entry(a.user_id, a.project_id);
        if (!e) continue;
        const key = seen.has(a.project_id)
          ? `${c.name}-${project}-${String(c.identity.users.get(a.user_id)?.name)}`
          : `${c.name}-${project}`;
        if (clouds[key]) continue;
        if (!seen.size) clouds[c.name] = e;
        seen.add(a.project_id);
        clouds[key] = e;
      }
    }
    return { clouds };
  }

  /** Writes clouds.yaml (mode 0600: it holds the simulated users' passwords). */
  async writeCloudsYaml(path: string): Promise<void> {
    await atomicWriteFile(path, stringify(this.cloudsYaml()));
  }

  requestLog(cloud?: string): LogEntry[] {
    return this.#log.entries(cloud);
  }

  counts(cloud?: string): Record<string, number> {
    return this.#log.counts(cloud);
  }

  clearLog(): void {
    this.#log.clear();
  }

  dump(cloud: string, options: DumpOptions = {}): SeedFile {
    const c = this.#cloud(cloud);
    return dumpCloud(c.identity, c.regions, c.adminProjectId, c.defaultRegion, options);
  }

  setFaults(cloud: string, rules: FaultRule[]): void {
    this.#cloud(cloud).setFaults(validateFaultRules(rules, 'faults'));
  }

  setLatency(cloud: string, latency: Latency): void {
    this.#cloud(cloud).latency = { ...latency };
  }

  /** The live identity state of a cloud (projects, users, roles, grants), for tests that need to look behind the API. */
  identityState(cloud: string): IdentityState {
    return this.#cloud(cloud).identity;
  }

  /** The live state of a region, for tests that need to look behind the API. */
  regionState(cloud: string, region?: string): RegionState {
    const c = this.#cloud(cloud);
    const state = c.regions.get(region ?? c.defaultRegion);
    if (!state) throw new TypeError(`cloud ${cloud} has no region ${region ?? ''}`);
    return state;
  }

  /**
   * The bytes of a server's disk (an image-backed server's own copy of its image; see nova/disks.ts), or undefined
   * when the server has none (booted from a volume, or its image had no data).
   */
  async readServerDisk(cloud: string, serverId: string, region?: string): Promise<Buffer | undefined> {
    const state = this.regionState(cloud, region);
    if (!(await diskReady(state, serverId))) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of state.blobs.read('disks', serverId)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Replaces the bytes of a server's disk, as a workload writing to it would. */
  async writeServerDisk(cloud: string, serverId: string, data: Uint8Array, region?: string): Promise<void> {
    const state = this.regionState(cloud, region);
    if (!state.servers.get(serverId)) throw new TypeError(`cloud ${cloud} has no server ${serverId}`);
    await writeDisk(state, serverId, data);
  }

  /** Expires every token of the cloud now (the next call with one gets 401). */
  expireTokens(cloud: string): void {
    for (const t of this.#cloud(cloud).identity.tokens.values()) t.expiresAt = Date.now() - 1;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#clouds.values()].map((c) => c.stop()));
    if (this.#ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

export function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  return Simulator.start(options);
}
