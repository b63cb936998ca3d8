import { crud, type Crud } from '../../resource.js';
import type { Member, MemberCreateOpts, MemberUpdateOpts } from './types.js';

/** Octavia `/v2/lbaas/pools/{pool_id}/members`: the members of one pool. */
export function membersOf(poolId: string): Crud<Member, MemberCreateOpts, MemberUpdateOpts> {
  return crud<Member, MemberCreateOpts, MemberUpdateOpts>({
    path: `/v2/lbaas/pools/${encodeURIComponent(poolId)}/members`,
    one: 'member',
    many: 'members',
    pagination: 'links',
  });
}
