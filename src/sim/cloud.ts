import { join } from 'node:path';
import { FaultEngine, type FaultRule } from './control/faults.js';
import type { RequestLog } from './control/log.js';
import type { Obj } from './core/json.js';
import { Prng, seedFromString } from './core/prng.js';
import { cinderRouter } from './cinder/routes.js';
import { designateRouter } from './designate/routes.js';
import { glanceRouter } from './glance/routes.js';
import type { ClientBandwidth } from './control/bandwidth.js';
import type { MicroversionSpec } from './http/microversion.js';
import type { Router } from './http/router.js';
import { ServiceServer } from './http/service-server.js';
import { buildCatalog, type RegionEndpoints } from './keystone/catalog.js';
import { keystoneRouter } from './keystone/routes.js';
import { authContext } from './keystone/tokens.js';
import { neutronRouter } from './neutron/routes.js';
import { novaRouter } from './nova/routes.js';
import { octaviaRouter } from './octavia/routes.js';
import { swiftRouter } from './swift/routes.js';
import { DEFAULT_DELAYS, type CloudOptions, type Latency } from './options.js';
import { PROFILES, type Profile, type ServiceName } from './profiles.js';
import { BlobStore } from './state/blobs.js';
import { IdentityState } from './state/identity.js';
import { RegionState } from './state/region.js';

export const ADMIN_PASSWORD = 'admin-secret';

type RegionService = Exclude<ServiceName, 'identity'>;

/** One simulated cloud: Keystone plus, per region, Nova, Neutron, Glance and Cinder servers. */
export class SimCloud {
  readonly name: string;
  readonly profile: Profile;
  readonly identity: IdentityState;
  readonly regions = new Map<string, RegionState>();
  readonly faults: FaultEngine;
  readonly adminProjectId: string;
  readonly adminUserId: string;
  latency: Latency;
  readonly #opts: CloudOptions;
  readonly #control: Prng;
  readonly #log: RequestLog;
  #keystone: ServiceServer | undefined;
  readonly #servers = new Map<string, Record<RegionService, ServiceServer | undefined>>();

  constructor(opts: CloudOptions, dataDir: string, log: RequestLog, bandwidth?: ClientBandwidth) {
    this.name = opts.name;
    this.profile = PROFILES[opts.profile];
    this.#opts = opts;
    this.#log = log;
    const seed = opts.randomSeed ?? seedFromString(opts.name);
    const ids = new Prng(seed);
    this.#control = new Prng(seed ^ 0x5bd1e995);
    this.faults = new FaultEngine(this.#control, opts.faults ?? []);
    this.latency = opts.latency ?? {};
    this.identity = new IdentityState(ids);
    const pid = this.identity.newId();
    this.identity.projects.put(pid, {
      id: pid,
      name: 'admin',
      domain_id: 'default',
      description: 'Bootstrap project',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: [],
      options: {},
    });
    this.adminProjectId = pid;
    const uid = this.identity.newId();
    this.identity.users.put(uid, {
      id: uid,
      name: 'admin',
      domain_id: 'default',
      enabled: true,
      password_expires_at: null,
      options: {},
    });
    this.adminUserId = uid;
    this.identity.passwords.set(uid, ADMIN_PASSWORD);
    this.identity.assign(uid, this.adminProjectId, 'admin');
    const delays = { ...DEFAULT_DELAYS, ...opts.delays };
    for (const region of opts.regions ?? ['RegionOne']) {
      const blobs = new BlobStore(join(dataDir, opts.name, region));
      this.regions.set(
        region,
        new RegionState({
          name: region,
          profile: this.profile,
          identity: this.identity,
          blobs,
          delays,
          prng: ids,
          hosts: opts.computeHosts ?? 4,
          ...(bandwidth ? { bandwidth } : {}),
          ...(opts.availabilityZones ? { zones: opts.availabilityZones } : {}),
        }),
      );
    }
  }

  get defaultRegion(): string {
    return [...this.regions.keys()][0]!;
  }

  get keystoneUrl(): string {
    return this.#keystone?.baseUrl ?? '';
  }

  endpoints(region: string): RegionEndpoints {
    const s = this.#servers.get(region);
    if (!s) throw new Error(`cloud ${this.name} has no region ${region}`);
    return {
      region,
      compute: s.compute!.baseUrl,
      network: s.network!.baseUrl,
      image: s.image!.baseUrl,
      volume: s.volume!.baseUrl,
      ...(s['load-balancer'] ? { loadBalancer: s['load-balancer'].baseUrl } : {}),
      dns: s.dns!.baseUrl,
      ...(s['object-store'] ? { objectStore: s['object-store'].baseUrl } : {}),
    };
  }

  catalogFor(projectId: string | undefined): Obj[] {
    return buildCatalog(
      this.profile,
      this.keystoneUrl,
      [...this.regions.keys()].map((r) => this.endpoints(r)),
      projectId,
    );
  }

  setFaults(rules: FaultRule[]): void {
    this.faults.set(rules);
  }

  async start(host: string): Promise<void> {
    for (const state of this.regions.values()) await state.blobs.init();
    let port = this.#opts.portBase ?? 0;
    const next = (): number => (this.#opts.portBase ? port++ : 0);
    this.#keystone = this.#server(
      'identity',
      undefined,
      keystoneRouter({
        identity: this.identity,
        profile: this.profile,
        ttlSeconds: this.#opts.tokenTtlSeconds ?? 3600,
        catalogFor: (pid) => this.catalogFor(pid),
      }),
    );
    await this.#keystone.listen(host, next());
    for (const [region, state] of this.regions) {
      const servers: Record<RegionService, ServiceServer | undefined> = {
        compute: this.#server('compute', state, novaRouter(state, { imageUrl: () => servers.image!.baseUrl })),
        network: this.#server('network', state, neutronRouter(state)),
        image: this.#server('image', state, glanceRouter(state)),
        volume: this.#server('volume', state, cinderRouter(state)),
        'load-balancer': this.profile.octavia ? this.#server('load-balancer', state, octaviaRouter(state)) : undefined,
        dns: this.#server('dns', state, designateRouter(state)),
        'object-store': this.profile.swift ? this.#server('object-store', state, swiftRouter(state)) : undefined,
      };
      this.#servers.set(region, servers);
      for (const s of Object.values(servers)) await s?.listen(host, next());
    }
  }

  #server(service: ServiceName, state: RegionState | undefined, router: Router): ServiceServer {
    const profile = this.profile;
    const compute: MicroversionSpec = {
      serviceType: 'compute',
      min: profile.nova.min,
      max: profile.nova.max,
      legacyHeader: 'X-OpenStack-Nova-API-Version',
    };
    const volume: MicroversionSpec = { serviceType: 'volume', min: profile.cinder.v3Min, max: profile.cinder.v3Max };
    const projectIds = (): Set<string> => new Set(this.identity.projects.all().map((p) => String(p.id)));
    return new ServiceServer({
      cloud: this.name,
      region: state?.name,
      service,
      router,
      microversionFor: (path) => {
        if (service === 'compute') return path.startsWith('/v2.1/') ? compute : undefined;
        if (service === 'volume') return /^\/v3\/[^/]+\/.+/.test(path) ? volume : undefined;
        return undefined;
      },
      authenticate: (token) => authContext(this.identity, token),
      authUri: () => (service === 'identity' ? `${this.keystoneUrl}/v3` : this.keystoneUrl),
      expireToken: (token) => {
        const t = this.identity.tokens.get(token);
        if (t) t.expiresAt = Date.now() - 1;
      },
      beforeRequest: () => state?.jobs.runDue(),
      latencyMs: () => {
        const fixed = this.latency.fixedMs ?? 0;
        const jitter = this.latency.jitterMs ?? 0;
        return fixed + (jitter > 0 ? this.#control.next() * jitter : 0);
      },
      faults: this.faults,
      log: this.#log,
      ...(service === 'compute'
        ? {
            rewritePath: (path: string) => {
              const m = /^\/v2(?:\.1)?\/([0-9a-f]{32})(\/.*)?$/.exec(path);
              return m && projectIds().has(m[1]!) ? `/v2.1${m[2] ?? ''}` : path;
            },
          }
        : {}),
    });
  }

  async stop(): Promise<void> {
    const all = [this.#keystone, ...[...this.#servers.values()].flatMap((s) => Object.values(s))];
    await Promise.all(all.map((s) => s?.close()));
  }
}
