import { descriptorOf } from '../kinds/registry.js';
import { PLAN_KINDS } from '../plan/kinds.js';
import type { RefDecl } from '../plan/kinds.js';
import { lossyFields } from '../plan/schema.js';
import type { Plan, PlanKind, PlanResource, RefValue } from '../plan/types.js';
import { VERSION } from '../version.js';
import { canonical, equalField, isEmpty, releaseDependent } from './normalise.js';
import type { AuditReport, Difference } from './report.js';
import { AUDIT_FORMAT } from './report.js';

export interface CompareOptions {
  /** Plan key -> target ID, from a journal: exact matching. */
  journal?: ReadonlyMap<string, string>;
  /** The provenance marker of a source key (markers.ts markerFor); matched against the target entries' `source.marker`. */
  markerOf?: (key: string) => string;
  source?: AuditReport['source'];
  target?: AuditReport['target'];
  /** Kinds left out of the comparison (e.g. quota when the user cannot read it on one side). */
  ignoreKinds?: readonly PlanKind[];
  /**
   * The kinds reported (`--kinds`, `--exclude-kinds`): the others are still matched, so that a reference from a
   * reported entry to one outside (a member's port, a load balancer's subnet) compares as the target object it was
   * matched to, but their own differences are not listed. Default: every kind.
   */
  reportKinds?: { only?: readonly PlanKind[]; exclude?: readonly PlanKind[] };
  /**
   * Fields expected to differ on some entries, with the reason: reference key -> `spec.<field>` -> note (a zone the
   * mapping dropped so the target chooses it). Such a difference is listed as expected-lossy.
   */
  expected?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  now?: Date;
}

/**
 * A server or volume built from a copy of its source bytes (a snapshot of the server's disk, an upload of the
 * volume) is made from a temporary image that Bascule removes after the apply: the target no longer records the
 * original image. Its `refs.image` is then empty or an image that cannot be described.
 */
const COPIED_FROM_TEMPORARY =
  'built from a copy of the source bytes (a temporary image, removed after the apply): the target does not record the original image';

function lostImageRef(kind: PlanKind, name: string, want: readonly string[], got: readonly string[]): boolean {
  const descriptor = descriptorOf(kind);
  const image = descriptor.temporaryImageRef;
  if (image === undefined || name !== image) return false;
  const prefix = `external:${descriptor.refs[image]?.kind}:id=`;
  return want.length > 0 && got.every((t) => t.startsWith(prefix));
}

type How = keyof AuditReport['matching'];

function nameOf(entry: PlanResource): string | undefined {
  const name = (entry.spec as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function markerOfTarget(entry: PlanResource): string | undefined {
  const facts = entry.source as Record<string, unknown> | undefined;
  const marker = facts?.marker ?? facts?.bascule_marker;
  return typeof marker === 'string' ? marker : undefined;
}

/** A reference in a side-independent form: the matched target key, or `external:<kind>:<name>` for an external. */
function refToken(
  key: string,
  byKey: ReadonlyMap<string, PlanResource>,
  translate: (key: string) => string | undefined,
): string {
  const entry = byKey.get(key);
  if (entry?.external)
    return `external:${entry.kind}:${nameOf(entry) ?? (entry.source?.id ? `id=${entry.source.id}` : canonical(entry.spec))}`;
  return translate(key) ?? `unmatched:${key}`;
}

function refTokens(
  value: RefValue | undefined,
  decl: RefDecl | undefined,
  byKey: ReadonlyMap<string, PlanResource>,
  translate: (key: string) => string | undefined,
): string[] {
  if (value === undefined) return [];
  const list = (Array.isArray(value) ? value : [value]).map((k) => refToken(k, byKey, translate));
  return decl?.ordered === false || (decl?.list === true && !decl.ordered) ? [...list].sort() : list;
}

/**
 * Compares a reference side (a source project or a plan, with the mapping already applied) with a target
 * side (an export of the target). Matching, per kind in dependency order: the journal, then Bascule's
 * marker, then the name, then (for nameless kinds) the attributes with references translated. Every
 * difference is classified; fields the schema or the entry declares lossy are `expected-lossy`.
 */
export function compareSides(reference: Plan, target: Plan, options: CompareOptions = {}): AuditReport {
  const ignore = new Set(options.ignoreKinds ?? []);
  const only = options.reportKinds?.only;
  const leftOut = new Set(options.reportKinds?.exclude ?? []);
  const reported = (kind: PlanKind): boolean =>
    !ignore.has(kind) && (!only || only.includes(kind)) && !leftOut.has(kind);
  const refByKey = new Map(reference.resources.map((r) => [r.key, r]));
  const tgtByKey = new Map(target.resources.map((r) => [r.key, r]));
  const tgtById = new Map<string, PlanResource>();
  const tgtByMarker = new Map<string, PlanResource>();
  for (const entry of target.resources) {
    if (entry.source?.id) tgtById.set(`${entry.kind}/${entry.source.id}`, entry);
    const marker = markerOfTarget(entry);
    if (marker) tgtByMarker.set(marker, entry);
  }
  const matched = new Map<string, string>(); // reference key -> target key
  const taken = new Set<string>(); // target keys already matched
  const matching: AuditReport['matching'] = { journal: 0, marker: 0, name: 0, key: 0, attributes: 0 };
  const differences: Difference[] = [];
  const perKind: AuditReport['per_kind'] = {};
  const translate = (key: string) => matched.get(key);
  const stats = (kind: PlanKind) =>
    (perKind[kind] ??= { source: 0, target: 0, missing: 0, extra: 0, changed: 0, expected_lossy: 0 });

  // What every project has from the platform (its `default` security group and that group's rules, its quotas) is
  // no extra when the reference side does not describe it at all (a plan of a selection).
  // Each kind's descriptor says which entries are the platform's (`targetOwned`) and to which family they belong.
  const ownedFamily = (e: PlanResource, byKey: ReadonlyMap<string, PlanResource>): string | undefined =>
    descriptorOf(e.kind).targetOwned?.(e, (key) => byKey.get(key));
  const refFamilies = new Set(reference.resources.filter((r) => !r.external).map((r) => ownedFamily(r, refByKey)));
  const platformMade = (e: PlanResource): boolean => ownedFamily(e, tgtByKey) !== undefined;
  const refDescribes = (e: PlanResource): boolean => refFamilies.has(ownedFamily(e, tgtByKey));

  const take = (refKey: string, tgt: PlanResource, how: How) => {
    matched.set(refKey, tgt.key);
    taken.add(tgt.key);
    if (reported(tgt.kind)) matching[how] += 1;
  };

  // Externals: matched by kind and name (the mapping already rewrote the reference side's names).
  for (const entry of reference.resources.filter((r) => r.external)) {
    const found = target.resources.find((t) => t.external && t.kind === entry.kind && nameOf(t) === nameOf(entry));
    if (found) matched.set(entry.key, found.key);
  }

  const signature = (entry: PlanResource, side: 'ref' | 'tgt'): string => {
    const lossy = new Set([...lossyFields(entry.kind), ...(entry.lossy ?? [])]);
    const spec = Object.fromEntries(
      Object.entries(entry.spec as Record<string, unknown>).filter(
        ([f]) => !lossy.has(f) && !releaseDependent(entry.kind, f),
      ),
    );
    const refs = Object.fromEntries(
      Object.entries(entry.refs ?? {}).map(([name, value]) => {
        const decl = descriptorOf(entry.kind).refs[name];
        return [
          name,
          side === 'ref' ? refTokens(value, decl, refByKey, translate) : refTokens(value, decl, tgtByKey, (k) => k),
        ];
      }),
    );
    return canonical({ spec, refs });
  };

  for (const kind of PLAN_KINDS) {
    if (ignore.has(kind)) continue;
    const refs = reference.resources.filter((r) => r.kind === kind && !r.external);
    const tgts = target.resources.filter((t) => t.kind === kind && !t.external);
    if (refs.length === 0 && tgts.length === 0) continue;
    // A kind outside --kinds is matched (references to it then resolve) and nothing more.
    const report = reported(kind);
    if (report) {
      stats(kind).source = refs.length;
      stats(kind).target = tgts.length;
    }
    const pending: PlanResource[] = [];
    for (const entry of refs) {
      const id = options.journal?.get(entry.key);
      const byJournal = id ? tgtById.get(`${kind}/${id}`) : undefined;
      if (byJournal && !taken.has(byJournal.key)) {
        take(entry.key, byJournal, 'journal');
        continue;
      }
      const marker = options.markerOf?.(entry.key);
      const byMarker = marker ? tgtByMarker.get(marker) : undefined;
      if (byMarker && byMarker.kind === kind && !taken.has(byMarker.key)) {
        take(entry.key, byMarker, 'marker');
        continue;
      }
      pending.push(entry);
    }
    // By name, only where the name is unique on both sides among what is left.
    const rest: PlanResource[] = [];
    const countNames = (list: PlanResource[]) => {
      const counts = new Map<string, number>();
      for (const e of list) {
        const n = nameOf(e);
        if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      return counts;
    };
    const freeTargets = () => tgts.filter((t) => !taken.has(t.key));
    const refNames = countNames(pending);
    const tgtNames = countNames(freeTargets());
    for (const entry of pending) {
      const name = descriptorOf(kind).nameless ? undefined : nameOf(entry);
      const candidate =
        name !== undefined && refNames.get(name) === 1 && tgtNames.get(name) === 1
          ? freeTargets().find((t) => nameOf(t) === name)
          : undefined;
      if (candidate) take(entry.key, candidate, 'name');
      else rest.push(entry);
    }
    // By attributes: the whole non-lossy spec and the translated references.
    const unmatched: PlanResource[] = [];
    for (const entry of rest) {
      const wanted = signature(entry, 'ref');
      const candidate = freeTargets().find((t) => signature(t, 'tgt') === wanted);
      if (candidate) take(entry.key, candidate, 'attributes');
      else unmatched.push(entry);
    }
    // Nameless kinds by key: the exporter derives their keys from what they belong to (the port of a floating IP),
    // so the same key on both sides is the same object, whose fields then differ.
    for (const entry of unmatched) {
      const same = descriptorOf(kind).nameless ? tgtByKey.get(entry.key) : undefined;
      if (same && same.kind === kind && !same.external && !taken.has(same.key)) take(entry.key, same, 'key');
      else if (report) {
        differences.push({ type: 'missing', kind, key: entry.key });
        stats(kind).missing += 1;
      }
    }
    if (!report) continue;
    for (const t of freeTargets()) {
      if (platformMade(t) && !refDescribes(t)) continue;
      differences.push({ type: 'extra', kind, key: t.key });
      stats(kind).extra += 1;
    }
    // Field by field for every matched pair.
    for (const entry of refs) {
      const tgtKey = matched.get(entry.key);
      const tgt = tgtKey ? tgtByKey.get(tgtKey) : undefined;
      if (!tgt || !tgtKey) continue;
      const lossy = new Set([...lossyFields(kind), ...(entry.lossy ?? [])]);
      const a = entry.spec as Record<string, unknown>;
      const b = tgt.spec as Record<string, unknown>;
      for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (equalField(field, a[field], b[field])) continue;
        if (releaseDependent(kind, field) && (isEmpty(a[field]) || isEmpty(b[field]))) continue;
        const why = options.expected?.get(entry.key)?.get(`spec.${field}`);
        const isLossy = lossy.has(field) || why !== undefined;
        const diff: Difference = {
          type: isLossy ? 'expected-lossy' : 'changed',
          kind,
          key: entry.key,
          target_key: tgtKey,
          field: `spec.${field}`,
        };
        if (!isEmpty(a[field])) diff.source = a[field];
        if (!isEmpty(b[field])) diff.target = b[field];
        if (isLossy) diff.note = why ?? 'declared lossy: the target cannot reproduce it as it was';
        differences.push(diff);
        stats(kind)[isLossy ? 'expected_lossy' : 'changed'] += 1;
      }
      const decls = descriptorOf(kind).refs;
      const names = [...new Set([...Object.keys(entry.refs ?? {}), ...Object.keys(tgt.refs ?? {})])].sort();
      for (const name of names) {
        const want = refTokens(entry.refs?.[name], decls[name], refByKey, translate);
        const got = refTokens(tgt.refs?.[name], decls[name], tgtByKey, (k) => k);
        if (canonical(want) === canonical(got)) continue;
        if (lostImageRef(kind, name, want, got)) {
          differences.push({
            type: 'expected-lossy',
            kind,
            key: entry.key,
            target_key: tgtKey,
            field: `refs.${name}`,
            source: want,
            target: got,
            note: COPIED_FROM_TEMPORARY,
          });
          stats(kind).expected_lossy += 1;
          continue;
        }
        differences.push({
          type: 'changed',
          kind,
          key: entry.key,
          target_key: tgtKey,
          field: `refs.${name}`,
          source: want,
          target: got,
        });
        stats(kind).changed += 1;
      }
    }
  }

  const count = (type: Difference['type']) => differences.filter((d) => d.type === type).length;
  const summary = {
    compared: reference.resources.filter((r) => !r.external && reported(r.kind)).length,
    matched: reference.resources.filter((r) => !r.external && reported(r.kind) && matched.has(r.key)).length,
    missing: count('missing'),
    extra: count('extra'),
    changed: count('changed'),
    expected_lossy: count('expected-lossy'),
    clean: false,
  };
  summary.clean = summary.missing === 0 && summary.extra === 0 && summary.changed === 0;
  return {
    format: AUDIT_FORMAT,
    generated_at: (options.now ?? new Date()).toISOString(),
    bascule_version: VERSION,
    source: options.source ?? {
      description: `${reference.provenance.cloud}/${reference.provenance.project.name}`,
      cloud: reference.provenance.cloud,
      project: reference.provenance.project.name,
    },
    target: options.target ?? {
      description: `${target.provenance.cloud}/${target.provenance.project.name}`,
      cloud: target.provenance.cloud,
      project: target.provenance.project.name,
    },
    matching,
    summary,
    per_kind: perKind,
    differences,
  };
}
