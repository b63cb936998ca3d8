import { isoSeconds, str, isObj, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { getImage, ownImage } from './images.js';

/** Image members: how shared images reach other projects. */
export function imageMemberRoutes(r: Router, state: RegionState): void {
  const members = (id: string): Map<string, Obj> => {
    let m = state.imageMembers.get(id);
    if (!m) {
      m = new Map();
      state.imageMembers.set(id, m);
    }
    return m;
  };
  const render = (m: Obj): Obj => ({ ...m, schema: '/v2/schemas/member' });
  r.get('/v2/images/{id}/members', (req) => {
    const image = getImage(req, state);
    const a = authOf(req);
    const all = [...members(String(image.id)).values()].filter(
      (m) => a.isAdmin || image.owner === a.projectId || m.member_id === a.projectId,
    );
    return { status: 200, body: { members: all.map(render), schema: '/v2/schemas/members' } };
  });
  r.get('/v2/images/{id}/members/{member}', (req) => {
    const image = getImage(req, state);
    const m = members(String(image.id)).get(req.params.member!);
    if (!m) throw new ApiError(404, `Not a member of image ${String(image.id)}`);
    return { status: 200, body: render(m) };
  });
  r.post('/v2/images/{id}/members', (req) => {
    const image = ownImage(req, state, 'add member to');
    if (image.visibility !== 'shared') throw new ApiError(403, `Only shared images have members.`);
    const member = isObj(req.body) ? str(req.body, 'member') : undefined;
    if (!member) throw new ApiError(400, 'Member to be added not specified');
    const map = members(String(image.id));
    if (map.has(member)) throw new ApiError(409, `Member ${member} already associated with image ${String(image.id)}`);
    const now = isoSeconds();
    const m: Obj = { created_at: now, image_id: image.id, member_id: member, status: 'pending', updated_at: now };
    map.set(member, m);
    return { status: 200, body: render(m) };
  });
  r.put('/v2/images/{id}/members/{member}', (req) => {
    const image = getImage(req, state);
    const a = authOf(req);
    const m = members(String(image.id)).get(req.params.member!);
    if (!m) throw new ApiError(404, `Not a member of image ${String(image.id)}`);
    if (!a.isAdmin && a.projectId !== req.params.member)
      throw new ApiError(403, 'You are not permitted to modify this membership.');
    const status = isObj(req.body) ? str(req.body, 'status') : undefined;
    if (!status || !['pending', 'accepted', 'rejected'].includes(status))
      throw new ApiError(400, `Invalid status: ${status ?? ''}`);
    m.status = status;
    m.updated_at = isoSeconds();
    return { status: 200, body: render(m) };
  });
  r.delete('/v2/images/{id}/members/{member}', (req) => {
    const image = ownImage(req, state, 'remove member from');
    if (!members(String(image.id)).delete(req.params.member!))
      throw new ApiError(404, `Not a member of image ${String(image.id)}`);
    return { status: 204 };
  });
  void (null as unknown as SimRequest);
}
