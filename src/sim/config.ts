import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { yamlValue } from '../shared/yaml.js';
import { validateFaultRules } from './control/faults.js';
import { isObj } from './core/json.js';
import type { CloudOptions, SimulatorOptions } from './options.js';
import { isProfileName, PROFILE_NAMES } from './profiles.js';
import { SeedError } from './seed/load.js';

const CLOUD_KEYS = [
  'name',
  'profile',
  'regions',
  'seed',
  'latency',
  'faults',
  'delays',
  'randomSeed',
  'tokenTtlSeconds',
  'computeHosts',
  'availabilityZones',
  'portBase',
];

/**
 * Reads a simulator configuration (YAML or JSON): `{ clouds: [CloudOptions...], dataDir? }`, the same shape as
 * startSimulator()'s options. Seed paths and dataDir are relative to the file. Errors name the path in the file.
 */
export async function loadSimulatorConfig(path: string): Promise<SimulatorOptions> {
  let data: unknown;
  try {
    data = yamlValue(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SeedError(path, error instanceof Error ? error.message : String(error));
  }
  const base = dirname(resolve(path));
  const at = (p: string): string => `${path}: ${p}`;
  if (!isObj(data) || !Array.isArray(data.clouds) || data.clouds.length === 0)
    throw new SeedError(path, 'clouds: expected a non-empty list');
  const clouds = data.clouds.map((c, i): CloudOptions => {
    if (!isObj(c)) throw new SeedError(at(`clouds/${i}`), 'expected a mapping');
    for (const k of Object.keys(c))
      if (!CLOUD_KEYS.includes(k))
        throw new SeedError(at(`clouds/${i}/${k}`), `unknown key (expected one of ${CLOUD_KEYS.join(', ')})`);
    if (typeof c.name !== 'string' || !c.name) throw new SeedError(at(`clouds/${i}/name`), 'required (a string)');
    if (typeof c.profile !== 'string' || !isProfileName(c.profile))
      throw new SeedError(at(`clouds/${i}/profile`), `expected one of ${PROFILE_NAMES.join(', ')}`);
    if (c.faults !== undefined) {
      try {
        validateFaultRules(c.faults, `clouds/${i}/faults`);
      } catch (error) {
        throw new SeedError(path, (error as Error).message);
      }
    }
    const out = { ...c } as unknown as CloudOptions;
    if (typeof c.seed === 'string' && !isAbsolute(c.seed)) out.seed = resolve(base, c.seed);
    return out;
  });
  const options: SimulatorOptions = { clouds };
  if (typeof data.dataDir === 'string')
    options.dataDir = isAbsolute(data.dataDir) ? data.dataDir : resolve(base, data.dataDir);
  return options;
}
