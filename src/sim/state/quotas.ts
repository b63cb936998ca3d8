/** Default quotas of each service (the upstream defaults). -1 means unlimited. */
export const DEFAULT_QUOTAS = {
  compute: {
    instances: 10,
    cores: 20,
    ram: 51200,
    key_pairs: 100,
    metadata_items: 128,
    server_groups: 10,
    server_group_members: 10,
    injected_files: 5,
    injected_file_content_bytes: 10240,
    injected_file_path_bytes: 255,
  },
  network: {
    network: 100,
    subnet: 100,
    port: 500,
    router: 10,
    floatingip: 50,
    security_group: 10,
    security_group_rule: 100,
    subnetpool: -1,
    rbac_policy: 10,
  },
  volume: {
    volumes: 10,
    gigabytes: 1000,
    snapshots: 10,
    backups: 10,
    backup_gigabytes: 1000,
    per_volume_gigabytes: -1,
    groups: 10,
  },
};

export type QuotaService = keyof typeof DEFAULT_QUOTAS;
export type QuotaSet = Record<string, number>;

/** Per-project overrides on top of the defaults. */
export class Quotas {
  readonly #overrides = new Map<string, Record<QuotaService, QuotaSet>>();

  get(projectId: string, service: QuotaService): QuotaSet {
    return { ...DEFAULT_QUOTAS[service], ...this.#overrides.get(projectId)?.[service] };
  }

  limit(projectId: string, service: QuotaService, resource: string): number {
    return this.get(projectId, service)[resource] ?? -1;
  }

  set(projectId: string, service: QuotaService, values: QuotaSet): void {
    let entry = this.#overrides.get(projectId);
    if (!entry) {
      entry = { compute: {}, network: {}, volume: {} };
      this.#overrides.set(projectId, entry);
    }
    Object.assign(entry[service], values);
  }

  /** Back to the defaults (DELETE of a quota set). */
  reset(projectId: string, service: QuotaService): void {
    const entry = this.#overrides.get(projectId);
    if (entry) entry[service] = {};
  }

  overrides(): Record<string, Record<QuotaService, QuotaSet>> {
    return Object.fromEntries(this.#overrides);
  }
}
