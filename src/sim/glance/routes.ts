import type { Obj } from '../core/json.js';
import type { SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { imageDataRoutes } from './data.js';
import { imageRoutes } from './images.js';
import { imageMemberRoutes } from './members.js';

function versions(req: SimRequest, state: RegionState): Obj[] {
  return state.profile.glance.versions.map((v, i) => ({
    id: `v${v}`,
    status: i === 0 ? 'CURRENT' : 'SUPPORTED',
    links: [{ rel: 'self', href: `${req.baseUrl}/v2/` }],
  }));
}

export function glanceRouter(state: RegionState): Router {
  const r = new Router();
  r.get('/', (req) => ({ status: 300, body: { versions: versions(req, state) } }), { isPublic: true });
  r.get('/versions', (req) => ({ status: 200, body: { versions: versions(req, state) } }), { isPublic: true });
  imageRoutes(r, state);
  imageDataRoutes(r, state);
  imageMemberRoutes(r, state);
  return r;
}
