import type { ServiceClient } from '../../service-client.js';
import { paginate } from '../../pagination.js';

export const MAX_MICROVERSION = '2.35';

export interface Keypair {
  name: string;
  public_key: string;
  fingerprint?: string;
  /** @since compute 2.2 */
  type?: 'ssh' | 'x509';
  user_id?: string;
  created_at?: string;
}

/** GET /os-keypairs: each item is wrapped as `{keypair: {...}}`; paginated from 2.35. A member sees only their own keys. */
export async function* list(sc: ServiceClient, signal?: AbortSignal): AsyncGenerator<Keypair, void, undefined> {
  for await (const item of paginate<{ keypair: Keypair }>(sc, '/os-keypairs', {
    key: 'keypairs',
    strategy: 'links',
    microversion: { max: MAX_MICROVERSION },
    ...(signal ? { signal } : {}),
  })) {
    yield item.keypair;
  }
}

export async function get(sc: ServiceClient, name: string, signal?: AbortSignal): Promise<Keypair> {
  const data = await sc.get<{ keypair: Keypair }>(`/os-keypairs/${encodeURIComponent(name)}`, {
    microversion: { max: MAX_MICROVERSION },
    ...(signal ? { signal } : {}),
  });
  return data.keypair;
}

/** Imports a public key (Bascule never generates keys: a generated private key would be a secret). */
export async function create(
  sc: ServiceClient,
  body: { name: string; public_key: string; type?: 'ssh' | 'x509' },
  signal?: AbortSignal,
): Promise<Keypair> {
  const keypair: Record<string, unknown> = { name: body.name, public_key: body.public_key };
  if (body.type) keypair.type = body.type;
  const data = await sc.post<{ keypair: Keypair }>(
    '/os-keypairs',
    { keypair },
    { microversion: { max: MAX_MICROVERSION, ...(body.type ? { min: '2.2' } : {}) }, ...(signal ? { signal } : {}) },
  );
  return data.keypair;
}

export async function remove(sc: ServiceClient, name: string, signal?: AbortSignal): Promise<void> {
  await sc.request('DELETE', `/os-keypairs/${encodeURIComponent(name)}`, {
    okStatus: [202, 204],
    ...(signal ? { signal } : {}),
  });
}
