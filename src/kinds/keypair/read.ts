/** Keypairs: the public keys of the user (Nova shows a member only their own keys; GET /os-keypairs, paginated from 2.35). */
import * as keypairs from '../../openstack/compute/keypairs/requests.js';
import type { Keypair } from '../../openstack/compute/keypairs/requests.js';
import { collect } from '../../openstack/pagination.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact } from '../shared/read.js';

export const keypairReader: KindReader<Keypair> = {
  kind: 'keypair',
  list: (ctx) => collect(keypairs.list(ctx.cloud.compute, ctx.signal)),
  /** A keypair's id is its name: that is how servers refer to it (key_name). */
  identify: (keypair) => ({ id: keypair.name, name: keypair.name }),
  toEntry(keypair): DraftEntry {
    return {
      spec: compact({ name: keypair.name, public_key: keypair.public_key.trim(), type: keypair.type }),
      refs: {},
      source: compact({
        id: keypair.name,
        fingerprint: keypair.fingerprint,
        user_id: keypair.user_id,
        created_at: keypair.created_at,
      }),
    };
  },
};
