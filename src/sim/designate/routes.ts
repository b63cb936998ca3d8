/** Designate's v2 API routes: version documents, zones, recordsets. */
import { isObj, type Obj } from '../core/json.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  createRecordset,
  createZone,
  deleteRecordset,
  deleteZone,
  dError,
  filterRows,
  getRecordset,
  getZone,
  recordsetsOf,
  renderRecordset,
  renderZone,
  updateRecordset,
  updateZone,
  visibleZones,
} from './zones.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

function bodyOf(req: SimRequest): Obj {
  if (!isObj(req.body)) throw dError(400, 'invalid_object', 'Provided object does not match schema: not an object');
  return req.body;
}

/** A Designate list: `{<key>: [...], links: {self, next?}, metadata: {total_count}}`, sorted by creation. */
function list(req: SimRequest, path: string, key: string, rows: Obj[], render: (o: Obj) => Obj): Reply {
  const limit = parseLimit(req.query.get('limit'));
  if (Number.isNaN(limit) || limit === 0)
    throw dError(400, 'invalid_limit', `limit should be an integer between 1 and ${MAX_LIMIT}`);
  const marker = req.query.get('marker') ?? undefined;
  const page = pageAfter(rows, marker, limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  if (!page) throw dError(400, 'invalid_marker', `Marker ${String(marker)} could not be found`);
  const self = `${req.baseUrl}${path}${req.query.size > 0 ? `?${req.query.toString()}` : ''}`;
  const links: Obj = { self };
  if (page.isFull && page.items.length > 0) {
    const next = new URLSearchParams(req.query);
    next.set('limit', String(limit ?? DEFAULT_LIMIT));
    next.set('marker', String(page.items[page.items.length - 1]!.id));
    links.next = `${req.baseUrl}${path}?${next.toString()}`;
  }
  return { status: 200, body: { [key]: page.items.map(render), links, metadata: { total_count: rows.length } } };
}

export function designateRouter(state: RegionState): Router {
  const r = new Router();
  const versions = (req: SimRequest): Reply => ({
    status: 200,
    body: {
      versions: {
        values: [{ id: 'v2', status: 'CURRENT', links: [{ href: `${req.baseUrl}/v2`, rel: 'self' }] }],
      },
    },
  });
  r.get('/', versions, { isPublic: true });
  r.get(
    '/v2',
    (req) => ({
      status: 200,
      body: { version: { id: 'v2', status: 'CURRENT', links: [{ href: `${req.baseUrl}/v2`, rel: 'self' }] } },
    }),
    { isPublic: true },
  );

  r.get('/v2/zones', (req) => {
    const rows = filterRows(visibleZones(state, authOf(req)), req.query, [
      'name',
      'email',
      'status',
      'type',
      'description',
      'ttl',
    ]);
    return list(req, '/v2/zones', 'zones', rows, (z) => renderZone(state, z, req.baseUrl));
  });
  r.post('/v2/zones', (req) => ({
    status: 202,
    body: renderZone(state, createZone(state, authOf(req), bodyOf(req)), req.baseUrl),
  }));
  r.get('/v2/zones/{id}', (req) => ({
    status: 200,
    body: renderZone(state, getZone(state, authOf(req), req.params.id!), req.baseUrl),
  }));
  r.patch('/v2/zones/{id}', (req) => ({
    status: 202,
    body: renderZone(state, updateZone(state, authOf(req), req.params.id!, bodyOf(req)), req.baseUrl),
  }));
  r.delete('/v2/zones/{id}', (req) => ({
    status: 202,
    body: renderZone(state, deleteZone(state, authOf(req), req.params.id!), req.baseUrl),
  }));

  const zoneOf = (req: SimRequest): Obj => getZone(state, authOf(req), req.params.zone!);
  r.get('/v2/zones/{zone}/recordsets', (req) => {
    const zone = zoneOf(req);
    const rows = filterRows(recordsetsOf(state, zone), req.query, ['name', 'type', 'status', 'ttl', 'description']);
    return list(req, `/v2/zones/${String(zone.id)}/recordsets`, 'recordsets', rows, (rs) =>
      renderRecordset(rs, req.baseUrl),
    );
  });
  r.post('/v2/zones/{zone}/recordsets', (req) => ({
    status: 202,
    body: renderRecordset(createRecordset(state, zoneOf(req), bodyOf(req)), req.baseUrl),
  }));
  r.get('/v2/zones/{zone}/recordsets/{id}', (req) => ({
    status: 200,
    body: renderRecordset(getRecordset(state, zoneOf(req), req.params.id!), req.baseUrl),
  }));
  r.put('/v2/zones/{zone}/recordsets/{id}', (req) => ({
    status: 202,
    body: renderRecordset(updateRecordset(state, zoneOf(req), req.params.id!, bodyOf(req)), req.baseUrl),
  }));
  r.delete('/v2/zones/{zone}/recordsets/{id}', (req) => ({
    status: 202,
    body: renderRecordset(deleteRecordset(state, zoneOf(req), req.params.id!), req.baseUrl),
  }));
  return r;
}
