import type { ServiceClient } from '../../service-client.js';

export interface Extension {
  alias: string;
  name: string;
  description?: string;
  updated?: string;
}

/** GET /v2.0/extensions: what this Neutron supports. Probe, never assume. */
export async function list(sc: ServiceClient, signal?: AbortSignal): Promise<Extension[]> {
  const data = await sc.get<{ extensions: Extension[] }>('/extensions', signal ? { signal } : {});
  return data.extensions;
}
