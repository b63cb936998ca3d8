import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What `bascule --help` loads before any command runs: the static (non-type) imports reachable from src/bin.ts.
 * Start-up time is bounded by that graph (docs/performance.md, issue #18), so the heavy layers must stay behind the
 * commands' dynamic imports. This checks the graph, not a time.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** `import x from 'y'` and `export ... from 'y'`, not `import type`; dynamic `import()` is not followed. */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(STATIC_IMPORT)) {
      const spec = match[1]!;
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        continue;
      }
      // The sources import './x.js' for './x.ts'; JSON files stay as they are.
      const target = join(dirname(file), spec.endsWith('.js') ? spec.replace(/\.js$/, '.ts') : spec);
      if (target.endsWith('.ts')) visit(target);
      else files.add(target);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('start-up imports', () => {
  const { files, packages } = staticGraph(join(SRC, 'bin.ts'));
  const relative = [...files].map((f) => f.slice(SRC.length + 1)).sort();

  it('the graph is found (the scan works)', () => {
    expect(relative).toContain('cli/main.ts');
    expect(relative).toContain('cli/command.ts');
    expect(packages).toContain('yargs');
  });

  it('loads only yargs among the dependencies: no HTTP client, YAML, ajv, spinner or database at start', () => {
    expect([...packages].sort()).toEqual(['yargs']);
  });

  it('loads none of the command layers (cloud client, plan, engine, export, transfer, simulator, kinds)', () => {
    const heavy = relative.filter((f) =>
      /^(openstack|plan|engine|export|transfer|sim|kinds|campaign|diff|mapping)\//.test(f),
    );
    expect(heavy).toEqual([]);
    expect(relative.filter((f) => f.startsWith('cli/commands/'))).toEqual([]);
  });
});
