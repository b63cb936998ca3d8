/**
 * An in-process fake OpenStack for reader and export tests: a Transport (no sockets) that answers Keystone with the
 * recorded Zed token (its catalog points at 127.0.0.1), version discovery with the Pike or Zed documents, and every
 * other GET from a route table of wire fixtures (fixtures/openstack/wire/<profile>/). It paginates any list answer
 * when the request carries `limit` (Neutron/Nova/Cinder `<key>_links`, Glance `next`) and logs every request.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Cloud } from '../../../../src/openstack/cloud.js';
import type { CloudConfig } from '../../../../src/openstack/config/types.js';
import type { HttpRequest, HttpResponse, Transport } from '../../../../src/openstack/transport/http.js';
import { secret } from '../../../../src/shared/secret.js';
import { fixtureBody, loadResponse } from '../../../support/fixtures.js';

export type Profile = 'pike' | 'zed';
export const PROJECT_ID = 'db05018d503c4bf38f2a6fdb27ce532e';

export interface Answer {
  status: number;
  body: unknown;
}
export type Handler = (url: URL) => Answer | undefined;

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
}

function response(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = body === undefined ? '' : JSON.stringify(body);
  const stream = Readable.from([Buffer.from(text)]) as HttpResponse['body'];
  stream.text = async () => text;
  stream.json = async () => JSON.parse(text) as unknown;
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: stream };
}

/** The wire fixture of a profile (body only). */
export function wire<T = Record<string, unknown>>(profile: Profile, name: string): T {
  return fixtureBody<T>(`wire/${profile}/${name}`);
}

/** The routes of the sample project "shop" (fixtures/openstack/wire/generate.py) for a profile. */
export function shopRoutes(profile: Profile): Record<string, () => unknown> {
  const w = (name: string) => () => wire(profile, name);
  const p = PROJECT_ID;
  return {
    'GET /v2.0/extensions': w('network-extensions'),
    'GET /v2.0/networks': w('networks'),
    'GET /v2.0/networks/00000003-0000-4000-8000-000000000003': w('network-public'),
    'GET /v2.0/subnets': w('subnets'),
    'GET /v2.0/security-groups': w('security-groups'),
    'GET /v2.0/ports': w('ports'),
    'GET /v2.0/routers': w('routers'),
    'GET /v2.0/floatingips': w('floatingips'),
    [`GET /v2.0/quotas/${p}`]: w('quota-network'),
    'GET /v2/images': w('images-owned'),
    'GET /v2/images/00000062-0000-4000-8000-000000000062': w('image-cirros'),
    'GET /v2.1/flavors/detail': w('flavors-detail'),
    'GET /v2.1/flavors/2': w('flavor-2'),
    'GET /v2.1/flavors/2/os-extra_specs': w('flavor-2-extra-specs'),
    'GET /v2.1/servers/detail': w('servers-detail'),
    'GET /v2.1/servers/00000051-0000-4000-8000-000000000051/os-interface': w('server-web-1-interfaces'),
    'GET /v2.1/os-keypairs': w('keypairs'),
    'GET /v2.1/os-server-groups': w('server-groups'),
    [`GET /v2.1/os-quota-sets/${p}`]: w('quota-compute'),
    [`GET /v3/${p}/volumes/detail`]: w('volumes-detail'),
    [`GET /v3/${p}/snapshots/detail`]: w('snapshots-detail'),
    [`GET /v3/${p}/types`]: w('volume-types'),
    [`GET /v3/${p}/os-quota-sets/${p}`]: w('quota-block-storage'),
    // What export checks the project does not use (src/export/unsupported.ts): none of it here.
    [`GET /v3/${p}/backups`]: () => ({ backups: [] }),
    'GET /v2.0/rbac-policies': () => ({ rbac_policies: [] }),
    'GET /v2.0/trunks': () => ({ trunks: [] }),
    'GET /v2.0/qos/policies': () => ({ policies: [] }),
    'GET /v2.0/fwaas/firewall_groups': () => ({ firewall_groups: [] }),
    'GET /v2.0/vpn/vpnservices': () => ({ vpnservices: [] }),
  };
}

/** Pages a list answer the way the real services do when `limit` is given. */
function paginate(url: URL, body: unknown): unknown {
  const limit = Number(url.searchParams.get('limit'));
  if (!limit || typeof body !== 'object' || body === null) return body;
  const record = body as Record<string, unknown>;
  const key = Object.keys(record).find((k) => Array.isArray(record[k]));
  if (key === undefined) return body;
  const items = record[key] as { id?: string; keypair?: { name: string } }[];
  const idOf = (item: (typeof items)[number]) => item.id ?? item.keypair?.name ?? '';
  const marker = url.searchParams.get('marker');
  const start = marker === null ? 0 : items.findIndex((i) => idOf(i) === marker) + 1;
  const page = items.slice(start, start + limit);
  const out: Record<string, unknown> = { ...record, [key]: page };
  if (start + limit < items.length) {
    const next = new URL(url.toString());
    next.searchParams.set('marker', idOf(page[page.length - 1]!));
    if (url.pathname.startsWith('/v2/images')) out.next = `${next.pathname}${next.search}`;
    else out[`${key}_links`] = [{ rel: 'next', href: next.toString() }];
  }
  return out;
}

export interface FakeOpenStack {
  cloud: Cloud;
  requests: LoggedRequest[];
  /** Requests other than Keystone and version discovery. */
  apiRequests(): LoggedRequest[];
  routes: Record<string, () => unknown>;
  /** Paths that answer with an error status. */
  failures: Map<string, number>;
}

const PORT_SERVICES: Record<string, string> = {
  '5000': 'identity',
  '8774': 'compute',
  '9696': 'network',
  '9292': 'image',
  '8776': 'volume',
};

/** The answer of the fake to one request. `url` may use the catalog's ports (in-process) or `/<service>` prefixes (HTTP). */
export interface CatalogEntry {
  type: string;
  endpoints: { url: string; interface: string; region?: string; region_id?: string }[];
}

/** Rewrites the token's catalog (e.g. a Pike cloud that publishes Cinder only as volumev2). */
export type CatalogEdit = (catalog: CatalogEntry[]) => CatalogEntry[];

function answer(
  profile: Profile,
  routes: Record<string, () => unknown>,
  failures: Map<string, number>,
  method: string,
  url: URL,
  catalogBase?: string,
  editCatalog?: CatalogEdit,
): HttpResponse {
  let service = PORT_SERVICES[url.port];
  let path = url.pathname;
  if (catalogBase !== undefined) {
    const [, first, ...rest] = path.split('/');
    service = first;
    path = `/${rest.join('/')}`;
  }
  if (method === 'POST' && service === 'identity' && path === '/v3/auth/tokens') {
    const body = structuredClone(loadResponse('identity/token-password').body) as {
      token: { expires_at: string; catalog: CatalogEntry[] };
    };
    body.token.expires_at = new Date(Date.now() + 3_600_000).toISOString();
    if (editCatalog) body.token.catalog = editCatalog(body.token.catalog);
    if (catalogBase !== undefined) {
      for (const entry of body.token.catalog) {
        for (const endpoint of entry.endpoints) {
          const original = new URL(endpoint.url);
          endpoint.url = `${catalogBase}/${PORT_SERVICES[original.port] ?? 'other'}${original.pathname === '/' ? '' : original.pathname}`;
        }
      }
    }
    return response(201, body, { 'x-subject-token': 'gAAAAfaketokenfortests' });
  }
  if (path === '/' && service === 'compute') return response(200, fixtureBody(`versions/nova-${profile}`));
  if (path === '/' && service === 'volume') return response(300, fixtureBody(`versions/cinder-${profile}`));
  const route = `${method} ${path}`;
  const status = failures.get(route);
  if (status !== undefined)
    return response(status, { itemNotFound: { code: status, message: `fake failure of ${route}` } });
  const handler = routes[route];
  if (!handler) return response(404, { itemNotFound: { code: 404, message: `no fake route for ${route}` } });
  const pageUrl = new URL(`http://fake${path}${url.search}`);
  const body = paginate(pageUrl, handler()) as Record<string, unknown>;
  // Next links point at the path the client used.
  for (const key of Object.keys(body ?? {})) {
    const links = body[key];
    if (key.endsWith('_links') && Array.isArray(links)) {
      for (const link of links as { href: string }[])
        link.href = `${url.origin}${url.pathname}${new URL(link.href).search}`;
    }
  }
  if (typeof body?.next === 'string') body.next = `${url.pathname}${new URL(`http://fake${body.next}`).search}`;
  return response(200, body);
}

export function fakeOpenStack(
  profile: Profile,
  routes: Record<string, () => unknown> = shopRoutes(profile),
  editCatalog?: CatalogEdit,
): FakeOpenStack {
  const requests: LoggedRequest[] = [];
  const failures = new Map<string, number>();
  const transport: Transport = async (req: HttpRequest) => {
    const url = new URL(req.url);
    requests.push({ method: req.method, path: url.pathname, query: url.search });
    return answer(profile, routes, failures, req.method, url, undefined, editCatalog);
  };
  const config: CloudConfig = {
    name: `fake-${profile}`,
    origin: 'test',
    auth: {
      method: 'password',
      authUrl: 'http://127.0.0.1:5000/v3',
      username: 'demo',
      password: secret('fake-password-for-tests'),
      projectName: 'bascule-src',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    },
    interface: 'public',
    verify: true,
    endpointOverrides: {},
    apiVersions: {},
  };
  const cloud = new Cloud(config, { transport, retry: { maxRetries: 0 } });
  return {
    cloud,
    requests,
    routes,
    failures,
    apiRequests: () => requests.filter((r) => r.path !== '/v3/auth/tokens' && r.path !== '/'),
  };
}

export interface FakeServer {
  url: string;
  requests: LoggedRequest[];
  failures: Map<string, number>;
  /** A clouds.yaml for this server (cloud name `fake`). */
  cloudsYaml: string;
  close(): Promise<void>;
}

/** The same fake over real HTTP on a port-0 server (for CLI tests): services under /identity, /compute, /network, ... */
export async function startFakeServer(
  profile: Profile,
  routes: Record<string, () => unknown> = shopRoutes(profile),
): Promise<FakeServer> {
  const requests: LoggedRequest[] = [];
  const failures = new Map<string, number>();
  let base = '';
  const server = createServer((req, res) => {
    void (async () => {
      for await (const _chunk of req) {
        // drain the request body
      }
      const url = new URL(req.url ?? '/', base);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search });
      const answered = answer(profile, routes, failures, req.method ?? 'GET', url, base);
      const text = await answered.body.text();
      res.writeHead(answered.status, answered.headers as Record<string, string>);
      res.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cloudsYaml = `clouds:\n  fake:\n    auth:\n      auth_url: ${base}/identity/v3\n      username: demo\n      password: fake-password-for-tests\n      project_name: bascule-src\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n    interface: public\n`;
  return {
    url: base,
    requests,
    failures,
    cloudsYaml,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
