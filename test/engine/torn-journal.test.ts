import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, SimulatedCrash } from '../../src/engine/apply.js';
import { readJournal } from '../../src/engine/journal.js';
import { rollback } from '../../src/engine/rollback.js';
import { projectPlan, snapshotTarget, startTarget, type SimTarget } from './support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-torn-')), 'j.jsonl');

describe('a journal whose last line was torn by a kill', () => {
  let t: SimTarget;
  beforeEach(async () => {
    t = await startTarget();
  });
  afterEach(async () => {
    await t.stop();
  });

  for (const tear of ['mid-record', 'before its newline'] as const) {
    it(`(${tear}) resumes, resumes again and rolls back to the target as it was`, async () => {
      const before = snapshotTarget(t);
      const file = journal();
      let count = 0;
      const hooks = {
        afterCall: () => {
          if (++count === 6) throw new SimulatedCrash();
        },
      };
      const partial = await applyPlan(projectPlan(), t.deps({ hooks }), { journalPath: file });
      expect(partial.ok).toBe(false);
      // The kill came while the last record was being written.
      const text = readFileSync(file, 'utf8');
      const last = text.slice(0, -1).lastIndexOf('\n') + 1;
      const torn = tear === 'mid-record' ? text.slice(0, last + 25) : text.slice(0, -1);
      writeFileSync(file, torn);
      const lines = (await readJournal(file)).length;

      const first = await applyPlan(projectPlan(), t.deps(), { journalPath: file, resume: true });
      expect(first.ok).toBe(true);
      // Every line is whole again: the next resume and the rollback read it.
      expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
      expect((await readJournal(file)).length).toBeGreaterThan(lines);
      const second = await applyPlan(projectPlan(), t.deps(), { journalPath: file, resume: true });
      expect(second.ok).toBe(true);
      expect(second.summary.created).toBe(0);
      const undone = await rollback(t.deps(), { journalPath: file });
      expect(undone.ok).toBe(true);
      expect(snapshotTarget(t)).toEqual(before);
    });
  }
});
