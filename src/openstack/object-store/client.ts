/**
 * The object-store service (Swift) of a cloud: one ServiceClient per cloud, kept here rather than on Cloud so the
 * service stays in its own folder. Its catalog endpoint names the project's account (`.../v1/AUTH_<project>`), which
 * the client uses as its base: request paths are `/<container>[/<object>]`.
 */
import type { Cloud } from '../cloud.js';
import type { ServiceClient } from '../service-client.js';

const CLIENTS = new WeakMap<Cloud, ServiceClient>();

export function objectStoreClient(cloud: Cloud): ServiceClient {
  let client = CLIENTS.get(cloud);
  if (!client) {
    client = cloud.client('object-store');
    CLIENTS.set(cloud, client);
  }
  return client;
}

/** Whether the cloud's catalog has an object store (`object-store`), read from its token. */
export async function hasObjectStore(cloud: Cloud, signal?: AbortSignal): Promise<boolean> {
  const token = await cloud.token(signal);
  return token.catalog.some((entry) => entry.type === 'object-store');
}
