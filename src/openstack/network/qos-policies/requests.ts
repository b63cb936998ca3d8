import { crud, type CallOptions } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { QosPolicy } from './types.js';

/** Neutron `/v2.0/qos/policies` (read here: Bascule matches policies, it does not create them). */
export const qosPoliciesApi = crud<QosPolicy>({
  path: '/qos/policies',
  one: 'policy',
  many: 'policies',
  pagination: 'links',
});
export const { list, get } = qosPoliciesApi;

/** GET /v2.0/qos/rule-types: the rule types the cloud's QoS drivers support. */
export async function ruleTypes(sc: ServiceClient, options?: CallOptions): Promise<string[]> {
  const body = await sc.get<{ rule_types?: { type: string }[] }>('/qos/rule-types', options);
  return (body.rule_types ?? []).map((t) => t.type);
}
