import { crud, type Crud } from '../../resource.js';
import type { L7Policy, L7PolicyCreateOpts, L7PolicyUpdateOpts, L7Rule, L7RuleCreateOpts } from './types.js';

/** Octavia `/v2/lbaas/l7policies`. */
export const l7PoliciesApi = crud<L7Policy, L7PolicyCreateOpts, L7PolicyUpdateOpts>({
  path: '/v2/lbaas/l7policies',
  one: 'l7policy',
  many: 'l7policies',
  pagination: 'links',
});
export const { list, get, create, update, remove } = l7PoliciesApi;
export type L7PolicyRead = L7Policy;
export type { L7PolicyCreateBody } from './types.js';

/** Octavia `/v2/lbaas/l7policies/{l7policy_id}/rules`: the rules of one policy. */
export function rulesOf(policyId: string): Crud<L7Rule, L7RuleCreateOpts, Partial<L7RuleCreateOpts>> {
  return crud<L7Rule, L7RuleCreateOpts, Partial<L7RuleCreateOpts>>({
    path: `/v2/lbaas/l7policies/${encodeURIComponent(policyId)}/rules`,
    one: 'rule',
    many: 'rules',
    pagination: 'links',
  });
}
