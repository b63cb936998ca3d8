import type { FaultRule } from './control/faults.js';
import type { ProfileName } from './profiles.js';
import type { SeedFile } from './seed/types.js';

/** Added latency per request: fixedMs plus a uniform draw in [0, jitterMs) from the cloud's PRNG. */
export interface Latency {
  fixedMs?: number;
  jitterMs?: number;
}

/** How long asynchronous status changes take. A read at or after the delay sees the new status. */
export interface Delays {
  /** BUILD -> ACTIVE. Default 200. */
  serverBuildMs?: number;
  /** ACTIVE <-> SHUTOFF for os-stop/os-start. Default 50. */
  serverPowerMs?: number;
  /** creating -> available (volumes and snapshots), downloading -> available. Default 100. */
  volumeCreateMs?: number;
  /** deleting -> gone (volumes). Default 0. */
  volumeDeleteMs?: number;
  /** attaching/detaching -> in-use/available. Default 50. */
  volumeAttachMs?: number;
  /** queued/saving/importing -> active (uploads, imports, snapshots, volume uploads). Default 100. */
  imageActiveMs?: number;
}

export interface CloudOptions {
  /** The cloud's name; clouds.yaml entries are `<name>` (first project) and `<name>-<project>`, `<name>-admin`. */
  name: string;
  profile: ProfileName;
  /** Default ['RegionOne']. */
  regions?: string[];
  /** A seed object, or a path to a JSON or YAML seed file. */
  seed?: SeedFile | string;
  latency?: Latency;
  faults?: FaultRule[];
  delays?: Delays;
  /** Seeds the PRNG behind ids, MACs, jitter and fault draws. Default: derived from the cloud name. */
  randomSeed?: number;
  /** Token lifetime. Default 3600 s. */
  tokenTtlSeconds?: number;
  /** Compute hosts the scheduler spreads servers over (anti-affinity needs enough of them). Default 4. */
  computeHosts?: number;
  /** Nova availability zones; compute hosts are spread over them in turn. Default ['nova']. */
  availabilityZones?: string[];
  /** First port to use; services take consecutive ports. Default 0 (ephemeral ports). */
  portBase?: number;
}

export interface SimulatorOptions {
  clouds: CloudOptions[];
  /** Where image and volume bytes are stored. Default: a fresh temporary directory, removed by stop(). */
  dataDir?: string;
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /**
   * Image bytes (Glance downloads and uploads) per client, in bytes/s, each direction: a client is a Keystone user
   * name on any cloud of the simulator, standing for one worker host (its own clouds.yaml). Default: no cap.
   */
  clientBandwidth?: number;
}

export const DEFAULT_DELAYS: Required<Delays> = {
  serverBuildMs: 200,
  serverPowerMs: 50,
  volumeCreateMs: 100,
  volumeDeleteMs: 0,
  volumeAttachMs: 50,
  imageActiveMs: 100,
};
