/**
 * Addresses that follow the migration. Some entries point at an address another entry gives out (a DNS record at a
 * floating IP's or a load balancer VIP's address). The plan holds the source address; the target gives another one.
 * Before an entry whose descriptor has `rewriteAddresses` is decided, each entry it references whose kind has
 * `address` yields a pair: its source address (from its plan spec) and its target address (from the target object
 * the journal's ID names, read through the kind's reader, as compare reads it). The entry is rewritten with those
 * pairs; the dry run lists each rewrite ("known after apply" for an address not made yet), and the apply, its
 * journal, a re-apply's compare and rollback all see the rewritten entry. The audit derives the same pairs from the
 * journal and the target's export (src/diff/audit.ts: rewriteReference).
 */
import { descriptorOf } from '../kinds/registry.js';
import type { PlanResource } from '../plan/types.js';
import type { AddressRewrite } from './actions.js';
import { readContextFor, type EngineDeps } from './context.js';
import { targetView } from './compare.js';
import { isKnownAfterApply } from './resolve.js';

/** What the rewrite gives the engine: the entry to decide with, and what was (or will be) rewritten. */
export interface AddressedEntry {
  entry: PlanResource;
  rewrites: AddressRewrite[];
}

/** Target addresses read during one run, by target ID (a floating IP read once for all the records that use it). */
export type AddressCache = Map<string, Promise<string | undefined>>;

async function targetAddress(
  deps: EngineDeps,
  provider: PlanResource,
  id: string,
  cache: AddressCache,
): Promise<string | undefined> {
  let pending = cache.get(id);
  if (!pending) {
    pending = (async () => {
      const writer = deps.writerFor(provider.kind);
      const wire = await writer?.get?.(deps.target, id);
      if (wire === undefined) return undefined;
      const view = targetView(wire, deps.readerFor?.(provider.kind), readContextFor(deps.target), provider);
      return descriptorOf(provider.kind).address?.(view.spec);
    })();
    cache.set(id, pending);
  }
  return pending;
}

/**
 * The entry with the addresses it points at rewritten to the target's. `refs` are the entry's references as target
 * IDs (or dry-run placeholders), `entryOf` finds a plan entry by key. Entries of other kinds come back unchanged.
 */
export async function rewriteAddresses(
  deps: EngineDeps,
  entry: PlanResource,
  refs: Readonly<Record<string, string | string[]>>,
  entryOf: (key: string) => PlanResource | undefined,
  cache: AddressCache,
): Promise<AddressedEntry> {
  const descriptor = descriptorOf(entry.kind);
  if (!descriptor.rewriteAddresses) return { entry, rewrites: [] };
  const pairs = new Map<string, string>();
  const via = new Map<string, string>();
  const later: AddressRewrite[] = [];
  for (const [name, decl] of Object.entries(descriptor.refs)) {
    const provides = descriptorOf(decl.kind).address;
    if (!provides) continue;
    const keys = entry.refs?.[name];
    const ids = refs[name];
    if (keys === undefined || ids === undefined) continue;
    const keyList = Array.isArray(keys) ? keys : [keys];
    const idList = Array.isArray(ids) ? ids : [ids];
    for (const [i, key] of keyList.entries()) {
      const provider = entryOf(key);
      const id = idList[i];
      const from = provider ? provides(provider.spec as unknown as Record<string, unknown>) : undefined;
      if (!provider || from === undefined || id === undefined) continue;
      if (isKnownAfterApply(id)) {
        later.push({ field: '', from, to: `(known after apply: the address of ${key})`, via: key });
        continue;
      }
      const to = await targetAddress(deps, provider, id, cache);
      if (to === undefined) continue;
      pairs.set(from, to);
      via.set(from, key);
    }
  }
  if (pairs.size === 0 && later.length === 0) return { entry, rewrites: [] };
  const { entry: rewritten, rewritten: done } = descriptor.rewriteAddresses(entry, pairs);
  // An address made by this run is only known once its entry is made: the dry run names it with the field that uses it.
  const pendingRewrites = descriptor
    .rewriteAddresses(entry, new Map(later.map((r) => [r.from, r.to])))
    .rewritten.map((r) => ({ ...r, via: later.find((l) => l.from === r.from)!.via }));
  return {
    entry: rewritten,
    rewrites: [...done.map((r) => ({ ...r, via: via.get(r.from) ?? '' })), ...pendingRewrites],
  };
}
