import { BasculeError } from '../shared/errors.js';
import { scrubText } from '../shared/secret.js';

/**
 * Stable error codes for OpenStack answers. Decisions (retry, find-before-create, skip) use the
 * predicates below, never message text.
 */
export const OS_ERROR = {
  BAD_REQUEST: 'OS_BAD_REQUEST',
  UNAUTHORIZED: 'OS_UNAUTHORIZED',
  FORBIDDEN: 'OS_FORBIDDEN',
  NOT_FOUND: 'OS_NOT_FOUND',
  NOT_ACCEPTABLE: 'OS_NOT_ACCEPTABLE',
  CONFLICT: 'OS_CONFLICT',
  OVER_QUOTA: 'OS_OVER_QUOTA',
  TOO_LARGE: 'OS_TOO_LARGE',
  RATE_LIMITED: 'OS_RATE_LIMITED',
  SERVER_ERROR: 'OS_SERVER_ERROR',
  UNAVAILABLE: 'OS_UNAVAILABLE',
  HTTP: 'OS_HTTP_ERROR',
} as const;
export type OsErrorCode = (typeof OS_ERROR)[keyof typeof OS_ERROR];

export interface HttpErrorDetails {
  status: number;
  method: string;
  /** The URL without its query string's secrets (the client never puts secrets in URLs). */
  url: string;
  service: string;
  requestId?: string;
  /** The service's own fault name: itemNotFound, NeutronError type (NetworkNotFound), ... */
  fault?: string;
  retryAfterMs?: number;
}

/** An HTTP answer from an OpenStack service that the call did not accept. */
export class OpenStackHttpError extends BasculeError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly service: string;
  readonly requestId: string | undefined;
  readonly fault: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** The service's own message, scrubbed of secrets. */
  readonly serviceMessage: string;

  constructor(code: OsErrorCode, serviceMessage: string, details: HttpErrorDetails) {
    const safe = scrubText(serviceMessage);
    const rid = details.requestId ? ` [${details.requestId}]` : '';
    super(code, `${details.service}: ${details.method} ${details.url} -> ${details.status}: ${safe}${rid}`);
    this.name = 'OpenStackHttpError';
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.service = details.service;
    this.requestId = details.requestId;
    this.fault = details.fault;
    this.retryAfterMs = details.retryAfterMs;
    this.serviceMessage = safe;
  }
}

/** A call the server cannot serve because it is too old (microversion or API version), found before sending. */
export class UnsupportedVersionError extends BasculeError {
  constructor(message: string) {
    super('OS_VERSION_UNSUPPORTED', message);
    this.name = 'UnsupportedVersionError';
  }
}

/** Network-level failure (connection refused/reset, timeout) talking to a service. */
export class OpenStackNetworkError extends BasculeError {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly causeCode: string | undefined;

  constructor(
    message: string,
    details: { service: string; method: string; url: string; causeCode?: string; cause?: unknown },
  ) {
    super('OS_NETWORK', message, { cause: details.cause });
    this.name = 'OpenStackNetworkError';
    this.service = details.service;
    this.method = details.method;
    this.url = details.url;
    this.causeCode = details.causeCode;
  }
}

/** Extracts the service's message and fault name from the error bodies of Nova, Cinder, Neutron, Glance, Keystone and Placement. */
export function extractServiceMessage(body: string, contentType = ''): { message: string; fault?: string } {
  const text = body.trim();
  if (text.startsWith('{') || contentType.includes('json')) {
    try {
      const json = JSON.parse(text) as unknown;
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        const obj = json as Record<string, unknown>;
        // Neutron: {"NeutronError": {"type": "NetworkNotFound", "message": "...", "detail": ""}}
        const neutron = obj.NeutronError as Record<string, unknown> | undefined;
        if (neutron && typeof neutron === 'object') {
          return withFault(String(neutron.message ?? ''), typeof neutron.type === 'string' ? neutron.type : undefined);
        }
        // Keystone: {"error": {"code": 401, "message": "...", "title": "Unauthorized"}}
        const keystone = obj.error as Record<string, unknown> | undefined;
        if (keystone && typeof keystone === 'object' && 'message' in keystone) {
          return withFault(String(keystone.message), typeof keystone.title === 'string' ? keystone.title : undefined);
        }
        // Placement / newer APIs: {"errors": [{"detail": "...", "title": "..."}]}
        const errors = obj.errors;
        if (Array.isArray(errors) && errors[0] && typeof errors[0] === 'object') {
          const first = errors[0] as Record<string, unknown>;
          return withFault(
            String(first.detail ?? first.title ?? ''),
            typeof first.code === 'string' ? first.code : undefined,
          );
        }
        // Designate: {"code": 409, "type": "duplicate_zone", "message": "Duplicate Zone", "request_id": "..."}
        if (typeof obj.message === 'string')
          return withFault(obj.message, typeof obj.type === 'string' ? obj.type : undefined);
        if (typeof obj.faultstring === 'string') return withFault(obj.faultstring, undefined);
        // Nova and Cinder: {"itemNotFound": {"code": 404, "message": "..."}}
        const keys = Object.keys(obj);
        if (keys.length === 1 && keys[0]) {
          const inner = obj[keys[0]] as Record<string, unknown> | undefined;
          if (inner && typeof inner === 'object' && typeof inner.message === 'string')
            return withFault(inner.message, keys[0]);
        }
      }
    } catch {
      // fall through to text handling
    }
  }
  // Glance and webob answer with text or an HTML page: "404 Not Found\n\nNo image found with ID x"
  return { message: plainText(text).slice(0, 500) || '(empty body)' };
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * A service message as plain text: webob wraps messages in HTML even inside JSON ("...incorrect.<br /><br />
 * Invalid input for field..."), so tags become spaces, the common entities are decoded and runs of white space are
 * one space.
 */
export function plainText(message: string): string {
  return message
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#[0-9]{1,6}|#x[0-9a-fA-F]{1,5});/g, (_, name: string) => {
      if (!name.startsWith('#')) return ENTITIES[name]!;
      const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
}

function withFault(message: string, fault: string | undefined): { message: string; fault?: string } {
  const text = plainText(message);
  return fault === undefined ? { message: text } : { message: text, fault };
}

/** Maps a status (and the body, for quota errors that Nova reports as 403) to a stable code. */
export function classifyStatus(status: number, message: string, fault?: string): OsErrorCode {
  const quota =
    /quota exceeded|over ?quota|overlimit|exceeded quota|quota.*exceed/i.test(`${fault ?? ''} ${message}`) ||
    fault === 'OverQuota';
  if (quota && (status === 403 || status === 409 || status === 413 || status === 400)) return OS_ERROR.OVER_QUOTA;
  switch (status) {
    case 400:
      return OS_ERROR.BAD_REQUEST;
    case 401:
      return OS_ERROR.UNAUTHORIZED;
    case 403:
      return OS_ERROR.FORBIDDEN;
    case 404:
      return OS_ERROR.NOT_FOUND;
    case 406:
      return OS_ERROR.NOT_ACCEPTABLE;
    case 409:
      return OS_ERROR.CONFLICT;
    case 413:
      return OS_ERROR.TOO_LARGE;
    case 429:
      return OS_ERROR.RATE_LIMITED;
    case 503:
      return OS_ERROR.UNAVAILABLE;
    default:
      return status >= 500 ? OS_ERROR.SERVER_ERROR : OS_ERROR.HTTP;
  }
}

export function isHttpError(error: unknown, code?: OsErrorCode): error is OpenStackHttpError {
  return error instanceof OpenStackHttpError && (code === undefined || error.code === code);
}
export const isNotFound = (error: unknown): boolean => isHttpError(error, OS_ERROR.NOT_FOUND);
export const isConflict = (error: unknown): boolean => isHttpError(error, OS_ERROR.CONFLICT);
export const isUnauthorized = (error: unknown): boolean => isHttpError(error, OS_ERROR.UNAUTHORIZED);
export const isForbidden = (error: unknown): boolean => isHttpError(error, OS_ERROR.FORBIDDEN);
export const isOverQuota = (error: unknown): boolean => isHttpError(error, OS_ERROR.OVER_QUOTA);
