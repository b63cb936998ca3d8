import type { ClientBandwidth } from '../control/bandwidth.js';
import type { Obj } from '../core/json.js';
import type { Prng } from '../core/prng.js';
import { Table } from '../core/table.js';
import type { DEFAULT_DELAYS } from '../options.js';
import type { Profile } from '../profiles.js';
import type { BlobStore } from './blobs.js';
import type { IdentityState } from './identity.js';
import { Jobs } from './jobs.js';
import { Quotas } from './quotas.js';

/**
 * Everything one region of one cloud holds. Records are stored in their API shape (snake_case keys as
 * the APIs spell them); each service's render functions add what depends on the caller or the
 * microversion.
 */
export class RegionState {
  readonly name: string;
  readonly profile: Profile;
  readonly identity: IdentityState;
  readonly blobs: BlobStore;
  readonly delays: typeof DEFAULT_DELAYS;
  readonly jobs = new Jobs();
  readonly quotas = new Quotas();
  readonly hosts: string[];
  /** Nova availability zones; host i is in zone i mod n. */
  readonly zones: string[];
  readonly #prng: Prng;
  /** The simulator's cap on image bytes per client (undefined: none). */
  readonly bandwidth: ClientBandwidth | undefined;

  // Neutron
  readonly networks = new Table();
  readonly subnets = new Table();
  readonly ports = new Table();
  readonly routers = new Table();
  readonly floatingips = new Table();
  /** Port forwardings of floating IPs (each record keeps its `floatingip_id`). */
  readonly portForwardings = new Table();
  readonly securityGroups = new Table();
  readonly securityGroupRules = new Table();
  /** Trunks (`trunk`). */
  readonly trunks = new Table();
  /** QoS policies (`qos`), their rules embedded. */
  readonly qosPolicies = new Table();
  /** Address groups (`address-group`). */
  readonly addressGroups = new Table();
  /** security group id -> its rule ids (kept so rendering a group is not a scan of all rules). */
  readonly sgRules = new Map<string, Set<string>>();
  /** subnet id -> IP addresses allocated in it. */
  readonly allocated = new Map<string, Set<string>>();
  /** subnet id -> where the next allocation search starts. */
  readonly allocationHint = new Map<string, bigint>();
  /** mac addresses in use. */
  readonly macs = new Set<string>();
  // Nova
  readonly flavors = new Table();
  /** Keyed by `<user_id>/<name>`. */
  readonly keypairs = new Table();
  readonly servers = new Table();
  readonly serverGroups = new Table();
  /** Private-flavor access: flavor id -> project ids. */
  readonly flavorAccess = new Map<string, Set<string>>();
  // Glance
  readonly images = new Table();
  /** image id -> member project ids with their status. */
  readonly imageMembers = new Map<string, Map<string, Obj>>();
  // Cinder
  readonly volumes = new Table();
  readonly snapshots = new Table();
  readonly volumeTypes = new Table();
  /** Internal per-server state Nova does not render (user_data kept apart for admin-only reads). */
  readonly serverSecrets = new Map<string, { user_data?: string; adminPass?: string }>();
  /** Counter for the `instance-0000000N` names. */
  instanceCounter = 0;

  constructor(opts: {
    name: string;
    profile: Profile;
    identity: IdentityState;
    blobs: BlobStore;
    delays: typeof DEFAULT_DELAYS;
    prng: Prng;
    hosts: number;
    zones?: string[];
    bandwidth?: ClientBandwidth;
  }) {
    this.bandwidth = opts.bandwidth;
    this.name = opts.name;
    this.profile = opts.profile;
    this.identity = opts.identity;
    this.blobs = opts.blobs;
    this.delays = opts.delays;
    this.#prng = opts.prng;
    this.zones = opts.zones?.length ? [...opts.zones] : ['nova'];
    this.hosts = Array.from({ length: Math.max(1, opts.hosts, this.zones.length) }, (_, i) => `compute-${i + 1}`);
  }

  uuid(): string {
    return this.#prng.uuid();
  }

  hex(n: number): string {
    return this.#prng.hex(n);
  }

  random(): number {
    return this.#prng.next();
  }

  /** A MAC address with OpenStack's default base (fa:16:3e). */
  mac(): string {
    const h = this.#prng.hex(6);
    return `fa:16:3e:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
  }

  zoneOf(host: string): string {
    const i = this.hosts.indexOf(host);
    return this.zones[(i < 0 ? 0 : i) % this.zones.length]!;
  }

  projectName(projectId: string): string | undefined {
    const p = this.identity.projects.get(projectId);
    return p ? String(p.name) : undefined;
  }
}
