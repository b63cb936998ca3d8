import { clone, type Obj } from '../core/json.js';
import type { RegionState } from '../state/region.js';

/** An image as GET /v2/images/{id} shows it: core fields, custom properties at the top level, links. */
export function renderImage(state: RegionState, image: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(image)) {
    if (k.startsWith('_')) continue;
    out[k] = clone(v);
  }
  if (!state.profile.glance.hasMultihash) {
    delete out.os_hash_algo;
    delete out.os_hash_value;
  }
  if (!state.profile.glance.hasOsHidden) delete out.os_hidden;
  out.self = `/v2/images/${String(image.id)}`;
  out.file = `/v2/images/${String(image.id)}/file`;
  out.schema = '/v2/schemas/image';
  return out;
}
