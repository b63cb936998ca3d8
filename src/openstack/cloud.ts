import type { ServiceName } from './auth/catalog.js';
import type { Token } from './auth/keystone-v3.js';
import type { CloudConfig } from './config/types.js';
import * as extensions from './network/extensions/requests.js';
import { ServiceClient } from './service-client.js';
import type { SessionOptions } from './session.js';
import { Session } from './session.js';
import * as images from './image/images/requests.js';

/** One authenticated cloud (one project, one region) with a client per service. */
export class Cloud {
  readonly session: Session;
  readonly identity: ServiceClient;
  readonly compute: ServiceClient;
  readonly network: ServiceClient;
  readonly image: ServiceClient;
  readonly blockStorage: ServiceClient;
  readonly loadBalancer: ServiceClient;
  #extensions: Promise<Set<string>> | undefined;

  constructor(config: CloudConfig, options: SessionOptions = {}) {
    this.session = new Session(config, options);
    this.identity = new ServiceClient(this.session, 'identity');
    this.compute = new ServiceClient(this.session, 'compute');
    this.network = new ServiceClient(this.session, 'network');
    this.image = new ServiceClient(this.session, 'image');
    this.blockStorage = new ServiceClient(this.session, 'block-storage');
    this.loadBalancer = new ServiceClient(this.session, 'load-balancer');
  }

  get name(): string {
    return this.session.config.name;
  }

  get projectId(): string {
    return this.session.projectId;
  }

  token(signal?: AbortSignal): Promise<Token> {
    return this.session.token(signal);
  }

  client(service: ServiceName): ServiceClient {
    switch (service) {
      case 'compute':
        return this.compute;
      case 'network':
        return this.network;
      case 'image':
        return this.image;
      case 'block-storage':
        return this.blockStorage;
      case 'identity':
        return this.identity;
      case 'load-balancer':
        return this.loadBalancer;
      default:
        return new ServiceClient(this.session, service);
    }
  }

  /** Neutron's extension aliases, read once. */
  networkExtensions(signal?: AbortSignal): Promise<Set<string>> {
    this.#extensions ??= extensions.list(this.network, signal).then((list) => new Set(list.map((e) => e.alias)));
    return this.#extensions;
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/**
 * Authenticates and returns the cloud; fails early with a clear error on bad credentials. `signal`
 * (Ctrl-C) stops a slow authentication; on failure the cloud's connections are closed.
 */
export async function connect(config: CloudConfig, options: SessionOptions = {}, signal?: AbortSignal): Promise<Cloud> {
  const cloud = new Cloud(config, options);
  try {
    await cloud.token(signal);
  } catch (error) {
    await cloud.close();
    throw error;
  }
  return cloud;
}

export interface ServiceInfo {
  service: ServiceName;
  serviceType?: string;
  url?: string;
  apiVersion?: string;
  microversions?: { min: string; max: string };
  error?: string;
}

export interface CloudInfo {
  cloud: string;
  origin: string;
  region?: string;
  interface: string;
  user: { id: string; name: string; domain?: string };
  project?: { id: string; name: string; domain?: string };
  roles: string[];
  authMethods: string[];
  tokenExpiresAt: string;
  services: ServiceInfo[];
  networkExtensions: string[];
  imageImportMethods: string[];
}

/** What `bascule cloud info` shows: scope, endpoints, versions and microversions, Neutron extensions. */
export async function describeCloud(cloud: Cloud, signal?: AbortSignal): Promise<CloudInfo> {
  const token = await cloud.token(signal);
  const services: ServiceInfo[] = [];
  for (const service of ['identity', 'compute', 'network', 'image', 'block-storage'] as const) {
    const info: ServiceInfo = { service };
    try {
      const resolved = await cloud.client(service).resolve(signal);
      info.serviceType = resolved.serviceType;
      info.url = resolved.base;
      info.apiVersion = resolved.apiVersion;
      if (resolved.versions) info.microversions = resolved.versions;
    } catch (error) {
      if (signal?.aborted) throw error;
      info.error = (error as Error).message;
    }
    services.push(info);
  }
  let networkExtensions: string[] = [];
  try {
    networkExtensions = [...(await cloud.networkExtensions(signal))].sort();
  } catch (error) {
    if (signal?.aborted) throw error;
    networkExtensions = [];
  }
  let imageImportMethods: string[] = [];
  try {
    imageImportMethods = await images.importMethods(cloud.image, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    imageImportMethods = [];
  }
  const config = cloud.session.config;
  const info: CloudInfo = {
    cloud: config.name,
    origin: config.origin,
    interface: config.interface,
    user: {
      id: token.user.id,
      name: token.user.name,
      ...(token.user.domain?.name ? { domain: token.user.domain.name } : {}),
    },
    roles: token.roles,
    authMethods: token.methods,
    tokenExpiresAt: token.expiresAt.toISOString(),
    services,
    networkExtensions,
    imageImportMethods,
  };
  if (config.regionName) info.region = config.regionName;
  if (token.project)
    info.project = {
      id: token.project.id,
      name: token.project.name,
      ...(token.project.domain?.name ? { domain: token.project.domain.name } : {}),
    };
  return info;
}
