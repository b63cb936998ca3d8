/**
 * Re-scoping one clouds.yaml identity to another project (by name or ID), so that one entry serves every project a
 * campaign moves: the user's credentials stay, the project changes. An application credential is bound to its
 * project by Keystone and cannot be re-scoped.
 */
import { UsageError } from '../../shared/errors.js';
import type { CloudConfig } from './types.js';

export interface ProjectScope {
  /** The project by name (in `domain`, default: the entry's project domain, else Default). */
  name?: string;
  id?: string;
  domain?: string;
  region?: string;
}

export function scopeTo(config: CloudConfig, scope: ProjectScope): CloudConfig {
  const region = scope.region !== undefined ? { regionName: scope.region } : {};
  if (scope.name === undefined && scope.id === undefined) return { ...config, ...region };
  const auth = config.auth;
  if (auth.method === 'application_credential')
    throw new UsageError(
      'CLOUD_CANNOT_RESCOPE',
      `cloud ${config.name} authenticates with an application credential, which is bound to one project: it cannot be re-scoped to project ${scope.name ?? scope.id}`,
      { hint: 'use a password (or token) entry whose user has a role on each project' },
    );
  const next = { ...auth };
  delete next.projectId;
  delete next.projectName;
  if (scope.id !== undefined) {
    next.projectId = scope.id;
    delete next.projectDomainId;
    delete next.projectDomainName;
  } else {
    next.projectName = scope.name!;
    if (scope.domain !== undefined) {
      next.projectDomainName = scope.domain;
      delete next.projectDomainId;
    }
  }
  return { ...config, ...region, auth: next };
}
