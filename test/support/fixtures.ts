import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (test/support/ is two levels down). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO_ROOT, 'fixtures');

/** A recorded or reference HTTP answer stored under fixtures/openstack/: status, headers and body. */
export interface ResponseFixture {
  _source: string;
  status: number;
  headers: Record<string, string>;
  /** JSON value, or text (Glance's HTML error pages). */
  body: unknown;
}

/** Loads fixtures/openstack/<name>.json (name without the extension, e.g. `compute/error-404-itemNotFound`). */
export function loadResponse(name: string): ResponseFixture {
  return JSON.parse(readFileSync(join(FIXTURES, 'openstack', `${name}.json`), 'utf8')) as ResponseFixture;
}

/** A deep copy of a fixture's JSON body. */
export function fixtureBody<T = Record<string, unknown>>(name: string): T {
  return structuredClone(loadResponse(name).body) as T;
}

/** The path of a file under fixtures/clouds/. */
export function cloudsFixture(name: string): string {
  return join(FIXTURES, 'clouds', name);
}
