import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { yamlValue } from '../../shared/yaml.js';
import { isObj } from '../core/json.js';
import type { SeedFile } from './types.js';

export class SeedError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'SeedError';
    this.path = path;
  }
}

const TOP_KEYS = [
  'domains',
  'projects',
  'users',
  'role_assignments',
  'flavors',
  'volume_types',
  'external_networks',
  'quotas',
  'resources',
];
const PROJECT_KEYS = [
  'region',
  'user',
  'keypairs',
  'address_groups',
  'qos_policies',
  'security_groups',
  'networks',
  'routers',
  'ports',
  'trunks',
  'floating_ips',
  'images',
  'volumes',
  'snapshots',
  'server_groups',
  'servers',
];

/** Reads a JSON or YAML seed; relative `file:` paths are resolved against its folder. */
export async function loadSeedFile(path: string): Promise<{ seed: SeedFile; baseDir: string }> {
  const text = await readFile(path, 'utf8');
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : yamlValue(text);
  } catch (error) {
    throw new SeedError(
      path,
      `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { seed: validateSeed(data, path), baseDir: dirname(resolve(path)) };
}

/** Checks the shape (lists where lists belong, names present, known keys); reports the path of the first problem. */
export function validateSeed(data: unknown, where = 'seed'): SeedFile {
  if (!isObj(data)) throw new SeedError(where, 'expected a mapping at the top level');
  for (const key of Object.keys(data)) {
    if (!TOP_KEYS.includes(key))
      throw new SeedError(`${where}/${key}`, `unknown key (expected one of ${TOP_KEYS.join(', ')})`);
  }
  const list = (value: unknown, path: string, needsName: boolean): void => {
    if (value === undefined) return;
    if (!Array.isArray(value)) throw new SeedError(path, 'expected a list');
    value.forEach((item, i) => {
      if (!isObj(item)) throw new SeedError(`${path}/${i}`, 'expected a mapping');
      if (needsName && typeof item.name !== 'string') throw new SeedError(`${path}/${i}/name`, 'required (a string)');
    });
  };
  for (const key of ['domains', 'projects', 'users', 'flavors', 'volume_types', 'external_networks'])
    list(data[key], `${where}/${key}`, true);
  list(data.role_assignments, `${where}/role_assignments`, false);
  (data.role_assignments as unknown[] | undefined)?.forEach((a, i) => {
    for (const k of ['user', 'project', 'role']) {
      if (typeof (a as Record<string, unknown>)[k] !== 'string')
        throw new SeedError(`${where}/role_assignments/${i}/${k}`, 'required (a string)');
    }
  });
  list(data.quotas, `${where}/quotas`, false);
  if (data.resources !== undefined) {
    if (!isObj(data.resources))
      throw new SeedError(`${where}/resources`, 'expected a mapping of project name to resources');
    for (const [project, res] of Object.entries(data.resources)) {
      const p = `${where}/resources/${project}`;
      if (!isObj(res)) throw new SeedError(p, 'expected a mapping');
      for (const key of Object.keys(res)) {
        if (!PROJECT_KEYS.includes(key))
          throw new SeedError(`${p}/${key}`, `unknown key (expected one of ${PROJECT_KEYS.join(', ')})`);
      }
      for (const key of PROJECT_KEYS.slice(2)) list(res[key], `${p}/${key}`, !['floating_ips', 'ports'].includes(key));
    }
  }
  return data as SeedFile;
}
