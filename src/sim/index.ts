/** The OpenStack simulator's public API. See docs/simulator.md. */
export { startSimulator, Simulator, type CloudEndpoints } from './simulator.js';
export type { CloudOptions, SimulatorOptions, Latency, Delays } from './options.js';
export type { FaultRule } from './control/faults.js';
export type { LogEntry } from './control/log.js';
export type { SeedFile, ProjectResources } from './seed/types.js';
export { loadSeedFile, validateSeed, SeedError } from './seed/load.js';
export { loadSimulatorConfig } from './config.js';
export { PROFILES, PROFILE_NAMES, type ProfileName, type Profile } from './profiles.js';
export { ADMIN_PASSWORD } from './cloud.js';
