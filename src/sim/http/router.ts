import type { Handler } from './context.js';

export interface RouteOptions {
  /** No token needed (version documents, token creation). */
  isPublic?: boolean;
  /** Do not read the body: the handler streams `req.raw` itself (image data). */
  isRawBody?: boolean;
}

export interface Route extends RouteOptions {
  method: string;
  /** The templated path used in the request log, e.g. `/v2.0/networks/{id}`. */
  template: string;
  segments: string[];
  handler: Handler;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** A tiny path router: literal segments and `{name}` placeholders. */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, template: string, handler: Handler, options: RouteOptions = {}): this {
    this.#routes.push({ method, template, segments: split(template), handler, ...options });
    return this;
  }

  get(t: string, h: Handler, o?: RouteOptions): this {
    return this.add('GET', t, h, o);
  }
  post(t: string, h: Handler, o?: RouteOptions): this {
    return this.add('POST', t, h, o);
  }
  put(t: string, h: Handler, o?: RouteOptions): this {
    return this.add('PUT', t, h, o);
  }
  patch(t: string, h: Handler, o?: RouteOptions): this {
    return this.add('PATCH', t, h, o);
  }
  delete(t: string, h: Handler, o?: RouteOptions): this {
    return this.add('DELETE', t, h, o);
  }

  /** The matching route, or `methodNotAllowed` when only the method differs, or nothing. */
  match(method: string, path: string): RouteMatch | 'methodNotAllowed' | undefined {
    const parts = split(path);
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? 'methodNotAllowed' : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** `{name}` is one segment; a last `{name+}` takes the rest of the path, slashes included (Swift's object names). */
function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  const greedy = template[template.length - 1]?.endsWith('+}') === true;
  if (greedy ? parts.length < template.length : template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const p = parts[i]!;
    if (greedy && i === template.length - 1) {
      params[t.slice(1, -2)] = parts.slice(i).map(decodeURIComponent).join('/');
    } else if (t.startsWith('{') && t.endsWith('}')) {
      params[t.slice(1, -1)] = decodeURIComponent(p);
    } else if (t !== p) {
      return undefined;
    }
  }
  return params;
}
