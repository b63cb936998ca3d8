/**
 * Normalisation before comparing two sides: values that mean "nothing" are equal whatever their spelling
 * (absent, null, "", [], {}), unordered lists compare as sets, and numbers compare as numbers.
 */
export function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** A stable string form of a JSON value (sorted keys), for equality and set comparison. */
export function canonical(value: unknown): string {
  if (isEmpty(value)) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => !isEmpty(v))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Spec fields whose array value has no meaningful order (compared as sets). */
const UNORDERED_FIELDS: ReadonlySet<string> = new Set([
  'tags',
  'dns_nameservers',
  'availability_zone_hints',
  'allowed_address_pairs',
  'routes',
  'host_routes',
]);

export function equalField(field: string, a: unknown, b: unknown): boolean {
  if (UNORDERED_FIELDS.has(field) && Array.isArray(a) && Array.isArray(b)) {
    return canonical([...a.map(canonical)].sort()) === canonical([...b.map(canonical)].sort());
  }
  return canonical(a) === canonical(b);
}

/**
 * Fields that one release shows and another cannot (a Pike Glance has no multihash): when one side has no value
 * at all, it is no difference; two values that differ still are.
 */
const RELEASE_DEPENDENT: Readonly<Partial<Record<string, ReadonlySet<string>>>> = {
  image: new Set(['os_hash_algo', 'os_hash_value', 'virtual_size']),
};

export function releaseDependent(kind: string, field: string): boolean {
  return RELEASE_DEPENDENT[kind]?.has(field) === true;
}
