import type { Obj } from '../core/json.js';
import type { SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { flavorRoutes } from './flavors.js';
import { keypairRoutes } from './keypairs.js';
import { miscRoutes } from './misc.js';
import { serverGroupRoutes } from './server-groups.js';
import { serverRoutes, type NovaDeps } from './servers.js';

function versions(req: SimRequest, state: RegionState): Obj[] {
  return [
    {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      links: [{ rel: 'self', href: `${req.baseUrl}/v2/` }],
    },
    {
      id: 'v2.1',
      status: 'CURRENT',
      version: state.profile.nova.max,
      min_version: state.profile.nova.min,
      updated: '2013-07-23T11:33:21Z',
      links: [{ rel: 'self', href: `${req.baseUrl}/v2.1/` }],
    },
  ];
}

export function novaRouter(state: RegionState, deps: NovaDeps): Router {
  const r = new Router();
  r.get('/', (req) => ({ status: 200, body: { versions: versions(req, state) } }), { isPublic: true });
  r.get(
    '/v2.1',
    (req) => ({
      status: 200,
      body: {
        version: {
          ...versions(req, state)[1],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
          links: [
            { rel: 'self', href: `${req.baseUrl}/v2.1/` },
            { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
          ],
        },
      },
    }),
    { isPublic: true },
  );
  flavorRoutes(r, state);
  keypairRoutes(r, state);
  serverGroupRoutes(r, state);
  serverRoutes(r, state, deps);
  miscRoutes(r, state);
  return r;
}
