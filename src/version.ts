import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function readVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'bascule' && pkg.version) return pkg.version;
    } catch {
      // try the next location (src/ in tests, dist/src/ when built)
    }
  }
  return '0.0.0';
}

/** Bascule's version, from package.json. */
export const VERSION = readVersion();
