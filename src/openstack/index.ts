/** The OpenStack client: configuration, authentication, service clients and resource modules. */
export { loadCloudConfig, listClouds } from './config/clouds-yaml.js';
export { scopeTo, type ProjectScope } from './config/scope.js';
export type { CloudConfig, AuthConfig } from './config/types.js';
export { Cloud, connect, describeCloud } from './cloud.js';
export type { CloudInfo, ServiceInfo } from './cloud.js';
export { ServiceClient } from './service-client.js';
export { Session } from './session.js';
export type { SessionOptions } from './session.js';
export { paginate, collect } from './pagination.js';
export { waitFor, waitOrThrow, WAITER_STATE } from './waiter.js';
export * from './errors.js';
