import type { Obj } from '../core/json.js';
import type { SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { cinderMiscRoutes } from './misc.js';
import { snapshotRoutes, typeRoutes } from './types-snapshots.js';
import { volumeRoutes } from './volumes.js';

function versions(req: SimRequest, state: RegionState): Obj[] {
  const v3 = {
    id: 'v3.0',
    status: 'CURRENT',
    version: state.profile.cinder.v3Max,
    min_version: state.profile.cinder.v3Min,
    updated: '2016-02-08T12:20:21Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${req.baseUrl}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
  if (!state.profile.cinder.hasV2) return [v3];
  const v2 = {
    id: 'v2.0',
    status: 'DEPRECATED',
    version: '',
    min_version: '',
    updated: '2017-02-25T12:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${req.baseUrl}/v2/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=2' }],
  };
  return [v2, v3];
}

export function cinderRouter(state: RegionState): Router {
  const r = new Router();
  r.get('/', (req) => ({ status: 300, body: { versions: versions(req, state) } }), { isPublic: true });
  r.get('/v3', (req) => ({ status: 200, body: { versions: versions(req, state).filter((v) => v.id === 'v3.0') } }), {
    isPublic: true,
  });
  volumeRoutes(r, state);
  typeRoutes(r, state);
  snapshotRoutes(r, state);
  cinderMiscRoutes(r, state);
  return r;
}
