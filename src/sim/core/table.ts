import type { Obj } from './json.js';

/**
 * A collection of records indexed by id. Insertion order is kept (Map order), which is creation
 * order; a sorted-by-id view is cached until the next mutation, so pagination stays O(n) per request.
 */
export class Table<T extends Obj = Obj> {
  readonly #rows = new Map<string, T>();
  #byId: T[] | undefined;

  get size(): number {
    return this.#rows.size;
  }

  get(id: string): T | undefined {
    return this.#rows.get(id);
  }

  has(id: string): boolean {
    return this.#rows.has(id);
  }

  put(id: string, row: T): T {
    this.#rows.set(id, row);
    this.#byId = undefined;
    return row;
  }

  delete(id: string): boolean {
    this.#byId = undefined;
    return this.#rows.delete(id);
  }

  /** Rows in creation order. */
  all(): T[] {
    return [...this.#rows.values()];
  }

  /** Rows in creation order, newest first (Nova, Cinder and Glance list this way by default). */
  newestFirst(): T[] {
    return this.all().reverse();
  }

  /** Rows sorted by id (Neutron's pagination order). */
  sortedById(): T[] {
    this.#byId ??= this.all().sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
    return this.#byId;
  }

  find(predicate: (row: T) => boolean): T | undefined {
    for (const row of this.#rows.values()) if (predicate(row)) return row;
    return undefined;
  }

  filter(predicate: (row: T) => boolean): T[] {
    const out: T[] = [];
    for (const row of this.#rows.values()) if (predicate(row)) out.push(row);
    return out;
  }
}
