import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { countTarget, projectPlan, startTarget, type SimTarget } from '../engine/support/sim.js';

function run(t: SimTarget, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  return main(['--clouds-yaml', t.cloudsYaml, ...argv], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: false,
    signal: new AbortController().signal,
  }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

describe('bascule apply / rollback (CLI on the simulator)', () => {
  let t: SimTarget;
  let dir: string;
  let plan: string;
  beforeAll(async () => {
    t = await startTarget();
    dir = mkdtempSync(join(tmpdir(), 'bascule-cli-apply-'));
    plan = join(dir, 'shop.plan.json');
    writeFileSync(plan, JSON.stringify(projectPlan(), null, 2));
  });
  afterAll(async () => {
    await t.stop();
  });

  it('bad input exits 2 and sends nothing: invalid plan, missing --to, unknown cloud, no --yes without a terminal', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'bascule.plan/v1', resources: 'nope' }));
    t.sim.clearLog();
    expect((await run(t, ['apply', bad, '--to', 'dst', '--yes'])).code).toBe(2);
    expect((await run(t, ['apply', plan, '--yes'])).code).toBe(2);
    expect((await run(t, ['apply', plan, '--to', 'no-such-cloud', '--yes'])).code).toBe(2);
    const refused = await run(t, ['apply', plan, '--to', 'dst']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--yes/);
    const badMapping = join(dir, 'bad-mapping.yaml');
    writeFileSync(badMapping, 'format: nope\n');
    expect((await run(t, ['apply', plan, '--to', 'dst', '--mapping', badMapping, '--yes'])).code).toBe(2);
    expect(t.sim.requestLog('dst')).toEqual([]);
  });

  it('--dry-run prints the actions, exits 0 and makes no change; --out saves it', async () => {
    t.sim.clearLog();
    const changes = join(dir, 'changes.json');
    const r = await run(t, ['apply', plan, '--to', 'dst', '--dry-run', '--out', changes]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/create\s+network:front/);
    expect(r.out).toMatch(/lossy\s+port:web-1\/eth0/);
    expect(t.mutations()).toEqual([]);
    const saved = JSON.parse(readFileSync(changes, 'utf8'));
    expect(saved).toMatchObject({ format: 'bascule.changes/v1', ok: true });
    expect(saved.plan.resources).toHaveLength(projectPlan().resources.length);
    const json = await run(t, ['--format', 'json', 'apply', plan, '--to', 'dst', '--dry-run']);
    expect(JSON.parse(json.out).changes.actions.find((a: { key: string }) => a.key === 'network:front').action).toBe(
      'create',
    );
  });

  it('a saved dry run is refused once the target changed (exit 2, nothing applied), and applied when it has not', async () => {
    const changes = join(dir, 'stale.json');
    expect((await run(t, ['apply', plan, '--to', 'dst', '--dry-run', '--out', changes])).code).toBe(0);
    const intruder = await networks.create(t.cloud.network, { name: 'back' });
    t.sim.clearLog();
    const stale = await run(t, ['apply', changes, '--to', 'dst', '--yes']);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(/changed since/);
    expect(t.mutations()).toEqual([]);
    await networks.remove(t.cloud.network, intruder.id);
    const fresh = join(dir, 'fresh.json');
    expect((await run(t, ['apply', plan, '--to', 'dst', '--dry-run', '--out', fresh])).code).toBe(0);
    const before = countTarget(t);
    const applied = await run(t, [
      'apply',
      fresh,
      '--to',
      'dst',
      '--yes',
      '--journal',
      join(dir, 'fresh.journal.jsonl'),
    ]);
    expect(applied.code).toBe(0);
    expect(countTarget(t).servers).toBe(before.servers! + 2);
    const undone = await run(t, [
      'rollback',
      '--journal',
      join(dir, 'fresh.journal.jsonl'),
      '--os-cloud',
      'dst',
      '--yes',
    ]);
    expect(undone.code).toBe(0);
    expect(countTarget(t)).toEqual(before);
  });

  it('a saved dry run is read strictly: duplicate keys, deep nesting, actions: null, no target, an edited plan: exit 2, nothing sent, no stack trace', async () => {
    const changes = join(dir, 'strict.json');
    expect((await run(t, ['apply', plan, '--to', 'dst', '--dry-run', '--out', changes])).code).toBe(0);
    const text = readFileSync(changes, 'utf8');
    const doc = JSON.parse(text);
    const variants: Record<string, string> = {
      duplicate: text.replace('"plan_digest":', `"plan_digest": "${'0'.repeat(64)}", "plan_digest":`),
      deep: text.replace(/\n}\s*$/, `, "data": ${'['.repeat(100)}${']'.repeat(100)}}`),
      'actions-null': JSON.stringify({ ...doc, actions: null }),
      'no-target': JSON.stringify({ ...doc, target: undefined }),
      edited: text.replace('"port_range_max": 443', '"port_range_max": 65535'),
    };
    const expected: Record<string, RegExp> = {
      duplicate: /\/plan_digest the key "plan_digest" appears twice/,
      deep: /nesting deeper than/,
      'actions-null': /\/actions/,
      'no-target': /\/target/,
      edited: /file was changed after the dry run/,
    };
    for (const [name, body] of Object.entries(variants)) {
      const file = join(dir, `strict-${name}.json`);
      writeFileSync(file, body);
      t.sim.clearLog();
      const r = await run(t, ['apply', file, '--to', 'dst', '--yes']);
      expect(r.code, name).toBe(2);
      expect(r.err, name).toMatch(/is not a valid saved dry run/);
      expect(r.err, name).toMatch(expected[name]!);
      expect(r.err, name).not.toMatch(/\n\s+at /);
      expect(t.sim.requestLog('dst'), name).toEqual([]);
    }
  });

  it('--expect-digest: the dry run prints its digest; apply refuses any other file before contacting the cloud', async () => {
    const changes = join(dir, 'reviewed.json');
    const dry = await run(t, ['apply', plan, '--to', 'dst', '--dry-run', '--out', changes]);
    const digest = /Digest: ([0-9a-f]{64})/.exec(dry.out)?.[1];
    expect(digest).toBe(JSON.parse(readFileSync(changes, 'utf8')).digest);
    // Someone widens a rule and recomputes every hash the file holds: it reads, but its digest is not the approved one.
    const { changesDigest } = await import('../../src/engine/dry-run.js');
    const { planDigest } = await import('../../src/engine/context.js');
    const doc = JSON.parse(readFileSync(changes, 'utf8'));
    const rule = doc.plan.resources.find((r: { kind: string }) => r.kind === 'security_group_rule');
    rule.spec.remote_ip_prefix = '0.0.0.0/0';
    delete rule.refs.remote_group;
    doc.plan_digest = planDigest(doc.plan);
    doc.digest = changesDigest({
      plan: doc.plan,
      resolution: doc.resolution,
      actions: doc.actions,
      target: doc.target,
    });
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify(doc));
    t.sim.clearLog();
    const refused = await run(t, ['apply', forged, '--to', 'dst', '--yes', '--expect-digest', digest!]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/not the approved/);
    expect(t.sim.requestLog('dst')).toEqual([]);
    const malformed = await run(t, ['apply', changes, '--to', 'dst', '--yes', '--expect-digest', 'abc']);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/64 hexadecimal digits/);
    expect(t.sim.requestLog('dst')).toEqual([]);
    // The reviewed file with its digest goes through to the apply's own checks (a dry run here, so nothing changes).
    const accepted = await run(t, ['apply', changes, '--to', 'dst', '--dry-run', '--expect-digest', digest!]);
    expect(accepted.code).toBe(0);
    expect(accepted.out).toContain(`Digest: ${digest}`);
    // A plan whose dry run now differs from the approved digest is refused too, before any change.
    const other = await run(t, ['apply', plan, '--to', 'dst', '--yes', '--expect-digest', '0'.repeat(64)]);
    expect(other.code).toBe(2);
    expect(t.mutations()).toEqual([]);
  });

  it('apply --yes, then again: nothing to change, no mutating request; rollback restores the target', async () => {
    const before = countTarget(t);
    const first = await run(t, ['apply', plan, '--to', 'dst', '--yes']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/created/);
    expect(
      readFileSync(join(dir, 'shop.plan.journal.jsonl'), 'utf8').split('\n').filter(Boolean).length,
    ).toBeGreaterThan(10);
    t.sim.clearLog();
    const second = await run(t, ['apply', plan, '--to', 'dst', '--yes', '--journal', join(dir, 'second.jsonl')]);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/Nothing to change/);
    expect(t.mutations()).toEqual([]);
    // rollback --dry-run says what it would delete, in those words, and deletes nothing.
    const preview = await run(t, [
      'rollback',
      '--journal',
      join(dir, 'shop.plan.journal.jsonl'),
      '--os-cloud',
      'dst',
      '--dry-run',
    ]);
    expect(preview.code).toBe(0);
    expect(preview.out).toMatch(/^would delete\s+server:web-1/m);
    expect(preview.out).not.toMatch(/^deleted\s/m);
    expect(preview.out).toMatch(/\d+ would be deleted, 0 would be restored/);
    expect(preview.out).toContain('Dry run: nothing was deleted.');
    expect(t.mutations()).toEqual([]);
    const undone = await run(t, [
      'rollback',
      '--journal',
      join(dir, 'shop.plan.journal.jsonl'),
      '--os-cloud',
      'dst',
      '--yes',
    ]);
    expect(undone.code).toBe(0);
    expect(countTarget(t)).toEqual(before);
  });

  it('Ctrl-C stops cleanly: exit 130, a consistent journal, and --resume finishes', async () => {
    const before = countTarget(t);
    const controller = new AbortController();
    const journal = join(dir, 'interrupted.jsonl');
    const err: string[] = [];
    const code = await main(
      [
        '--clouds-yaml',
        t.cloudsYaml,
        'apply',
        plan,
        '--to',
        'dst',
        '--yes',
        '--journal',
        journal,
        '--concurrency',
        '2',
      ],
      {
        stdout: () => {},
        stderr: (s) => {
          err.push(s);
          if (s.startsWith('created ')) controller.abort();
        },
        isTTY: false,
        signal: controller.signal,
      },
    );
    expect(code).toBe(130);
    const { journalState, readJournal } = await import('../../src/engine/journal.js');
    const records = await readJournal(journal);
    expect(records.at(-1)).toMatchObject({ t: 'end', interrupted: true });
    const state = journalState(records);
    expect(state.inDoubt).toEqual([]);
    expect(countTarget(t).servers).toBe(before.servers);
    const resumed = await run(t, ['apply', plan, '--to', 'dst', '--yes', '--resume', '--journal', journal]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(countTarget(t).servers).toBe(before.servers! + 2);
    expect((await run(t, ['rollback', '--journal', journal, '--os-cloud', 'dst', '--yes'])).code).toBe(0);
    expect(countTarget(t)).toEqual(before);
  });
});
