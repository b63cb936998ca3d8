import type { Obj } from './json.js';

/**
 * A collection of records indexed by id. Insertion order is kept (Map order), which is creation
 * order; a sorted-by-id view is cached until the next mutation, so pagination stays O(n) per request.
 */
export class Table<T extends Obj = Obj> {
  readonly #rows = new Map<string, T>();
  #byId: T[] | undefined;
  /**
   * Rows by their `project_id`, built at the first ofProject/countOfProject and kept by put and delete, so that a
   * project's list or quota check does not scan every project's rows (a 1,000-project campaign put tens of thousands
   * of rows in the tables each request scanned). A row's project_id is never changed in place (Neutron does not move
   * a resource to another project): a row of another project is put anew.
   */
  #byProject: Map<string, Map<string, T>> | undefined;

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
    const old = this.#rows.get(id);
    this.#rows.set(id, row);
    if (this.#byProject !== undefined) {
      // A row put anew under another project: the index is rebuilt at its next use, in creation order.
      if (old !== undefined && old.project_id !== row.project_id) this.#byProject = undefined;
      else this.#index(id, row);
    }
    this.#byId = undefined;
    return row;
  }

  delete(id: string): boolean {
    this.#byId = undefined;
    const old = this.#rows.get(id);
    if (old !== undefined && this.#byProject !== undefined) this.#unindex(id, old);
    return this.#rows.delete(id);
  }

  /** The rows whose project_id is `projectId`, in creation order. */
  ofProject(projectId: string): T[] {
    return [...(this.#projectRows(projectId)?.values() ?? [])];
  }

  /** How many rows have project_id `projectId` (a quota's usage). */
  countOfProject(projectId: string): number {
    return this.#projectRows(projectId)?.size ?? 0;
  }

  #projectRows(projectId: string): Map<string, T> | undefined {
    if (this.#byProject === undefined) {
      this.#byProject = new Map();
      for (const [id, row] of this.#rows) this.#index(id, row);
    }
    return this.#byProject.get(projectId);
  }

  #index(id: string, row: T): void {
    const project = row.project_id;
    if (typeof project !== 'string') return;
    let rows = this.#byProject!.get(project);
    if (rows === undefined) this.#byProject!.set(project, (rows = new Map()));
    rows.set(id, row);
  }

  #unindex(id: string, row: T): void {
    const project = row.project_id;
    if (typeof project !== 'string') return;
    const rows = this.#byProject!.get(project);
    rows?.delete(id);
    if (rows?.size === 0) this.#byProject!.delete(project);
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
