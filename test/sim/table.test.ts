// The simulator's tables answer a project's rows from an index, not a scan of every project's rows: a list or a quota
// check of one project of a 1,000-project campaign read tens of thousands of rows (docs/performance.md).
import { describe, expect, it } from 'vitest';
import { Table } from '../../src/sim/core/table.js';
import type { Obj } from '../../src/sim/core/json.js';

/** A row whose project_id counts its reads. */
function row(id: string, project: string, reads: { n: number }): Obj {
  const out: Obj = { id, name: id };
  Object.defineProperty(out, 'project_id', {
    enumerable: true,
    get: () => {
      reads.n += 1;
      return project;
    },
  });
  return out;
}

describe('Table: rows by project', () => {
  it('answers a project from its index: no other row is read after the first call', () => {
    const reads = { n: 0 };
    const table = new Table();
    for (let p = 0; p < 100; p += 1)
      for (let i = 0; i < 10; i += 1) table.put(`r${p}-${i}`, row(`r${p}-${i}`, `p${p}`, reads));
    expect(table.countOfProject('p7')).toBe(10);
    reads.n = 0;
    expect(table.ofProject('p42').map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `r42-${i}`));
    expect(table.countOfProject('p99')).toBe(10);
    expect(table.countOfProject('nobody')).toBe(0);
    // A scan (filter) reads the 1,000 rows' project_id at each call.
    expect(reads.n).toBe(0);
  });

  it('stays equal to a scan through puts, replacements (same or another project) and deletes', () => {
    const table = new Table();
    const put = (id: string, project: string) => table.put(id, { id, project_id: project });
    put('a', 'p1');
    put('b', 'p2');
    expect(table.ofProject('p1').map((r) => r.id)).toEqual(['a']);
    put('c', 'p1');
    put('d', 'p1');
    put('c', 'p1'); // replaced in place: keeps its position
    put('b', 'p1'); // put anew under another project
    table.delete('d');
    table.put('e', { id: 'e' }); // no project
    for (const project of ['p1', 'p2'])
      expect(table.ofProject(project)).toEqual(table.filter((r) => r.project_id === project));
    expect(table.ofProject('p1').map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(table.countOfProject('p2')).toBe(0);
  });
});
