/**
 * An error a handler throws to answer with an API error. The service's formatter turns it into that
 * service's real body: Nova/Cinder `{"itemNotFound": {...}}`, Neutron `{"NeutronError": {...}}`,
 * Keystone `{"error": {...}}`, Glance's webob text/HTML/JSON.
 */
export class ApiError extends Error {
  readonly status: number;
  /** Neutron's exception type (NetworkNotFound, ...); ignored by other services. */
  readonly type: string;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, type = '', headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.headers = headers;
  }
}

export const notFound = (message: string, type = ''): ApiError => new ApiError(404, message, type);
export const badRequest = (message: string, type = 'BadRequest'): ApiError => new ApiError(400, message, type);
export const conflict = (message: string, type = 'Conflict'): ApiError => new ApiError(409, message, type);
export const forbidden = (message: string, type = 'PolicyNotAuthorized'): ApiError => new ApiError(403, message, type);
