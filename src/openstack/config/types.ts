import type { Secret } from '../../shared/secret.js';

export const AUTH_TYPES = ['password', 'v3password', 'v3applicationcredential', 'token', 'v3token'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const INTERFACES = ['public', 'internal', 'admin'] as const;
export type Interface = (typeof INTERFACES)[number];

export interface PasswordAuth {
  method: 'password';
  authUrl: string;
  username?: string;
  userId?: string;
  password: Secret;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

export interface ApplicationCredentialAuth {
  method: 'application_credential';
  authUrl: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret: Secret;
  username?: string;
  userDomainName?: string;
}

export interface TokenAuth {
  method: 'token';
  authUrl: string;
  token: Secret;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

export type AuthConfig = PasswordAuth | ApplicationCredentialAuth | TokenAuth;

/** One cloud, as clouds.yaml + secure.yaml + OS_* variables describe it. */
export interface CloudConfig {
  /** The cloud's name in clouds.yaml, or `envvars` for plain OS_* variables. */
  name: string;
  /** Where it came from: the clouds.yaml path, or `environment`. */
  origin: string;
  auth: AuthConfig;
  regionName?: string;
  interface: Interface;
  /** TLS verification; off only when `verify: false` / `insecure: true` is set explicitly. */
  verify: boolean;
  cacert?: string;
  /** Per service type (compute, network, image, volumev3, block-storage, identity): an endpoint to use instead of the catalog's. */
  endpointOverrides: Record<string, string>;
  /** Per service type: a pinned API version or microversion (`compute_api_version: 2.53`). */
  apiVersions: Record<string, string>;
}
