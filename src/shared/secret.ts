import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value (password, token, application-credential secret). It prints as `[redacted]` whatever
 * the path to the terminal or a file: String(), template literals, JSON.stringify, util.inspect and
 * console.log all see the placeholder. Only `reveal()` gives the value, and only the transport calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  static redacted = REDACTED;
}

/** Every secret value Bascule has seen in this process, so that text can be scrubbed before it leaves. */
const KNOWN = new Set<string>();

/** Registers a secret value for scrubbing; returns it wrapped. Empty and very short values are not registered. */
export function secret(value: string): Secret {
  if (value.length >= 4) KNOWN.add(value);
  return new Secret(value);
}

/** Registers a secret that arrived from elsewhere (a token from Keystone) so scrubText can remove it. */
export function rememberSecret(value: string): void {
  if (value.length >= 4) KNOWN.add(value);
}

const SECRET_KEY = /(pass(word)?|secret|token|credential|private[_-]?key|auth[_-]?key|x-auth-token|x-subject-token)/i;

/** True for a field or header name that carries a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !/expire|ttl$/i.test(key);
}

/** Removes every known secret value from a text (error messages, log lines, response bodies). */
export function scrubText(text: string): string {
  let out = text;
  for (const value of KNOWN) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

/** Deep copy of a JSON-like value with secret-named fields replaced and known secret values scrubbed. */
export function redact<T>(value: T, depth = 0): T {
  if (depth > 64) return REDACTED as T;
  if (typeof value === 'string') return scrubText(value) as T;
  if (value instanceof Secret) return REDACTED as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redact(item, depth + 1)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSecretKey(key) && item !== null && typeof item !== 'object' ? REDACTED : redact(item, depth + 1);
    }
    return out as T;
  }
  return value;
}
