/** Wire-shaped JSON objects: the simulator stores resources exactly as the APIs spell them. */
export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export function num(o: Obj, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' ? v : undefined;
}

export function bool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  return typeof v === 'boolean' ? v : undefined;
}

export function obj(o: Obj, key: string): Obj | undefined {
  const v = o[key];
  return isObj(v) ? v : undefined;
}

export function arr(o: Obj, key: string): unknown[] | undefined {
  const v = o[key];
  return Array.isArray(v) ? v : undefined;
}

export function strings(o: Obj, key: string): string[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A deep copy of a JSON value (records handed out must never alias the store). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The current time in the formats the services use. */
export function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Nova and Cinder style: microseconds, no zone ("2026-11-28T15:00:00.000000"). */
export function isoMicros(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}
