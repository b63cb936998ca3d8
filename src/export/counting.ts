/**
 * Request counting without touching the client: a view of a Cloud whose service clients count every call they
 * make. The exporter gives each kind its own view, so the summary shows the requests each kind cost.
 */
import type { Cloud } from '../openstack/cloud.js';
import { ServiceClient } from '../openstack/service-client.js';

/** The ServiceClient methods that send one request each (get/post/put/delete call request() on the real client). */
const SENDING = new Set<PropertyKey>(['request', 'stream', 'get', 'post', 'put', 'delete']);

function countingClient(client: ServiceClient, count: () => void): ServiceClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (SENDING.has(property)) {
        return (...args: unknown[]) => {
          count();
          return method.apply(target, args);
        };
      }
      return method.bind(target);
    },
  });
}

/** A view of `cloud` that calls `count` once per API request (token and version discovery calls are not counted). */
export function countingCloud(cloud: Cloud, count: () => void): Cloud {
  const views = new Map<ServiceClient, ServiceClient>();
  const view = (client: ServiceClient): ServiceClient => {
    let wrapped = views.get(client);
    if (!wrapped) {
      wrapped = countingClient(client, count);
      views.set(client, wrapped);
    }
    return wrapped;
  };
  return new Proxy(cloud, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (value instanceof ServiceClient) return view(value);
      if (property === 'client') return (service: Parameters<Cloud['client']>[0]) => view(target.client(service));
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
