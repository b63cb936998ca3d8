/**
 * The DNS service (Designate v2) of a cloud: one ServiceClient per cloud, kept here rather than on Cloud so the
 * service stays in its own folder. Its catalog endpoint is unversioned (`http://host:9001`); the base adds `/v2`.
 */
import type { Cloud } from '../cloud.js';
import type { ServiceClient } from '../service-client.js';

const CLIENTS = new WeakMap<Cloud, ServiceClient>();

export function dnsClient(cloud: Cloud): ServiceClient {
  let client = CLIENTS.get(cloud);
  if (!client) {
    client = cloud.client('dns');
    CLIENTS.set(cloud, client);
  }
  return client;
}

/** Whether the cloud's catalog has a DNS service (`dns`), read from its token. */
export async function hasDns(cloud: Cloud, signal?: AbortSignal): Promise<boolean> {
  const token = await cloud.token(signal);
  return token.catalog.some((entry) => entry.type === 'dns');
}
