import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Version } from './microversion.js';

/** Who is calling: what a validated Keystone token says. */
export interface AuthContext {
  tokenId: string;
  userId: string;
  userName: string;
  userDomainId: string;
  /** Undefined for an unscoped or domain-scoped token. */
  projectId: string | undefined;
  projectName: string | undefined;
  roles: string[];
  isAdmin: boolean;
  /** Only reader (no member, no admin): writes are refused on profiles with scoped RBAC. */
  isReaderOnly: boolean;
  expiresAt: number;
  methods: string[];
}

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
  /** The parsed JSON body (undefined when empty or for raw routes). */
  body: unknown;
  raw: IncomingMessage;
  /** Set on every route that is not public. */
  auth: AuthContext | undefined;
  /** The negotiated microversion (Nova, Cinder v3); undefined elsewhere. */
  mv: Version | undefined;
  /** The base URL of this service endpoint, e.g. http://127.0.0.1:40123 */
  baseUrl: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body. */
  text?: string;
  contentType?: string;
  /** A streamed body (image download). */
  stream?: Readable;
}

export type Handler = (req: SimRequest) => Reply | Promise<Reply>;

/** The caller; throws if the route was wrongly declared public. */
export function authOf(req: SimRequest): AuthContext {
  if (!req.auth) throw new Error('route needs authentication');
  return req.auth;
}
