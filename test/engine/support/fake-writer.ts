/**
 * A recording fake target for engine tests (Terraform's provider_mock idea): an in-memory store per kind, writers
 * that find by marker then by name, record every call, and fail or crash on demand.
 */
import type { KindWriter, ResolvedEntry, WriteContext } from '../../../src/kinds/kind.js';
import type { PlanKind } from '../../../src/plan/kinds.js';
import type { Plan, PlanResource } from '../../../src/plan/types.js';
import type { EngineDeps } from '../../../src/engine/context.js';
import { silentLogger } from '../../../src/shared/logger.js';

export interface FakeObject {
  id: string;
  kind: PlanKind;
  name: string;
  tags: string[];
  spec: Record<string, unknown>;
  refs: Record<string, string | string[]>;
}

export interface Call {
  op: 'find' | 'create' | 'update' | 'remove' | 'mark' | 'get';
  kind: PlanKind;
  key?: string;
  id?: string;
}

export class FakeTarget {
  readonly objects = new Map<string, FakeObject>();
  readonly calls: Call[] = [];
  /** Keys whose create throws. */
  readonly failCreate = new Set<string>();
  /** Keys whose create stores the object but throws before marking it (a kill between create and tag). */
  readonly createUnmarkedThenThrow = new Set<string>();
  /** Delay of every call, ms. */
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;
  #next = 1;

  async #tick<T>(fn: () => T): Promise<T> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return fn();
    } finally {
      this.inFlight -= 1;
    }
  }

  add(kind: PlanKind, name: string, spec: Record<string, unknown> = {}, tags: string[] = []): FakeObject {
    const object: FakeObject = { id: `${kind}-${this.#next++}`, kind, name, tags, spec: { name, ...spec }, refs: {} };
    this.objects.set(object.id, object);
    return object;
  }

  ofKind(kind: PlanKind): FakeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind);
  }

  mutations(): Call[] {
    return this.calls.filter((c) => c.op === 'create' || c.op === 'update' || c.op === 'remove' || c.op === 'mark');
  }

  writer(kind: PlanKind): KindWriter<FakeObject> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the writer's methods close over the store
    const t = this;
    return {
      kind,
      find(_ctx: WriteContext, r: ResolvedEntry) {
        return t.#tick(() => {
          t.calls.push({ op: 'find', kind, key: r.entry.key });
          const all = t.ofKind(kind);
          const marked = all.filter((o) => o.tags.includes(r.marker));
          if (marked.length > 0) return marked;
          const name = (r.entry.spec as { name?: string }).name;
          return all.filter((o) => o.name === name && name !== undefined);
        });
      },
      create(_ctx: WriteContext, r: ResolvedEntry) {
        return t.#tick(() => {
          t.calls.push({ op: 'create', kind, key: r.entry.key });
          if (t.failCreate.has(r.entry.key))
            throw Object.assign(new Error(`create of ${r.entry.key} refused`), { code: 'OS_BAD_REQUEST' });
          const spec = r.entry.spec as unknown as Record<string, unknown>;
          const object: FakeObject = {
            id: `${kind}-${t.#next++}`,
            kind,
            name: String(spec.name ?? r.entry.key),
            tags: [],
            spec: { ...spec },
            refs: { ...r.refs },
          };
          t.objects.set(object.id, object);
          if (t.createUnmarkedThenThrow.has(r.entry.key)) {
            t.createUnmarkedThenThrow.delete(r.entry.key);
            throw new Error('connection reset after create');
          }
          object.tags.push(r.marker);
          return object;
        });
      },
      update(_ctx: WriteContext, current: FakeObject, r: ResolvedEntry, fields: readonly string[]) {
        return t.#tick(() => {
          t.calls.push({ op: 'update', kind, key: r.entry.key, id: current.id });
          const spec = r.entry.spec as unknown as Record<string, unknown>;
          for (const f of fields) current.spec[f] = spec[f];
          return current;
        });
      },
      mark(_ctx: WriteContext, wire: FakeObject, marker: string) {
        return t.#tick(() => {
          t.calls.push({ op: 'mark', kind, id: wire.id });
          wire.tags.push(marker);
          return wire;
        });
      },
      get(_ctx: WriteContext, id: string) {
        return t.#tick(() => {
          t.calls.push({ op: 'get', kind, id });
          return t.objects.get(id);
        });
      },
      hasMarker: (wire: FakeObject, marker: string) => wire.tags.includes(marker),
      remove(_ctx: WriteContext, id: string) {
        return t.#tick(() => {
          t.calls.push({ op: 'remove', kind, id });
          t.objects.delete(id);
        });
      },
      idOf: (wire: FakeObject) => wire.id,
    };
  }

  /** Engine dependencies over this fake target (no readers: compare uses the fake objects' spec). */
  deps(extra: Partial<EngineDeps> = {}): EngineDeps {
    const writers = new Map<PlanKind, KindWriter>();
    const target = {
      cloud: { name: 'fake', projectId: 'p-target' },
      projectId: 'p-target',
      signal: new AbortController().signal,
      logger: silentLogger,
      extensions: new Set<string>(),
    } as unknown as WriteContext;
    return {
      target,
      writerFor: (kind) => {
        let w = writers.get(kind);
        if (!w) writers.set(kind, (w = this.writer(kind) as KindWriter));
        return w;
      },
      readerFor: () => ({
        kind: 'network',
        list: async () => [],
        identify: (w: unknown) => ({ id: (w as FakeObject).id, name: (w as FakeObject).name }),
        toEntry: (w: unknown) => ({
          spec: (w as FakeObject).spec,
          refs: (w as FakeObject).refs,
          source: { id: (w as FakeObject).id },
        }),
      }),
      ...extra,
    };
  }
}

/** A small plan: 2 networks, a subnet on each, a security group, a rule, a port on net a using the group. */
export function samplePlan(extra: PlanResource[] = []): Plan {
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud: 'src',
      region: null,
      project: { name: 'demo', id: 'p-source' },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-11-28T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources: [
      { kind: 'network', key: 'network:a', spec: { name: 'a', description: 'net a' } },
      { kind: 'network', key: 'network:b', spec: { name: 'b' } },
      {
        kind: 'subnet',
        key: 'subnet:a4',
        spec: { name: 'a4', cidr: '10.0.1.0/24', ip_version: 4 },
        refs: { network: 'network:a' },
      },
      {
        kind: 'subnet',
        key: 'subnet:b4',
        spec: { name: 'b4', cidr: '10.0.2.0/24', ip_version: 4 },
        refs: { network: 'network:b' },
      },
      { kind: 'security_group', key: 'security_group:web', spec: { name: 'web' } },
      {
        kind: 'port',
        key: 'port:a1',
        spec: { name: 'a1' },
        refs: { network: 'network:a', fixed_ips: ['subnet:a4'], security_groups: ['security_group:web'] },
      },
      ...extra,
    ],
  } as Plan;
}
