import type { ServiceName } from '../profiles.js';

/** Nova's and Cinder's fault names by status (nova/api/openstack/wsgi.py `Fault._fault_names`). */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const REASONS: Record<number, string> = {
  300: 'Multiple Choices',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reason(status: number): string {
  return REASONS[status] ?? 'Error';
}

export interface ErrorBody {
  contentType: string;
  text: string;
}

/** The body a service answers an error with, as the real service does. */
export function errorBody(
  service: ServiceName,
  status: number,
  message: string,
  type: string,
  accept: string | undefined,
  retryAfter?: string,
): ErrorBody {
  const json = (value: unknown): ErrorBody => ({ contentType: 'application/json', text: JSON.stringify(value) });
  // keystonemiddleware answers 401 in Keystone's shape for every service but Glance (which answers with webob).
  if ((status === 401 && service !== 'image') || service === 'identity') {
    return json({ error: { code: status, message, title: reason(status) } });
  }
  switch (service) {
    case 'compute':
    case 'volume': {
      const name = FAULT_NAMES[status] ?? 'computeFault';
      const fault: Record<string, unknown> = { code: status, message };
      if ((status === 413 || status === 429) && retryAfter !== undefined) fault.retryAfter = retryAfter;
      return json({ [name]: fault });
    }
    case 'load-balancer':
      // Octavia answers through wsme.
      return json({ faultcode: status < 500 ? 'Client' : 'Server', faultstring: message, debuginfo: null });
    case 'object-store':
      // Swift's proxy answers errors with a small HTML page.
      return {
        contentType: 'text/html; charset=UTF-8',
        text: `<html><h1>${reason(status)}</h1><p>${message}</p></html>`,
      };
    case 'dns':
      // Designate: {"code": 409, "type": "duplicate_zone", "message": "Duplicate Zone", "request_id": ...}
      return json({ code: status, type: type || 'unknown', message, request_id: '' });
    case 'network':
      return json({ NeutronError: { type: type || 'HTTPError', message, detail: '' } });
    case 'image': {
      // webob's generated error page: JSON when asked for, plain text when only text/plain is acceptable,
      // HTML otherwise (also for */*), with the explanation's trailing `<br /><br />` as the real Glance.
      const title = reason(status);
      if (accept?.includes('application/json')) {
        return json({ message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title });
      }
      if (
        accept === undefined ||
        !accept.includes('text/plain') ||
        accept.includes('text/html') ||
        accept.includes('*/*')
      ) {
        return {
          contentType: 'text/html; charset=UTF-8',
          text: `<html>\n <head>\n  <title>${status} ${title}</title>\n </head>\n <body>\n  <h1>${status} ${title}</h1>\n  ${message}<br /><br />\n\n\n\n </body>\n</html>`,
        };
      }
      return { contentType: 'text/plain; charset=UTF-8', text: `${status} ${title}\n\n${message}\n\n   ` };
    }
  }
}
