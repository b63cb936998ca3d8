/**
 * Keypairs belong to the user, have no marker field and are identified by name: the target's keypair of that
 * name is the match (a different public key is a conflict, never overwritten). Only public keys are imported.
 */
import { isNotFound } from '../../openstack/errors.js';
import * as keypairs from '../../openstack/compute/keypairs/requests.js';
import type { Keypair } from '../../openstack/compute/keypairs/requests.js';
import type { KeypairSpec } from '../../plan/types.js';
import type { KindWriter, WriteContext } from '../kind.js';
import { removeIgnoringMissing } from '../shared/write.js';

async function byName(ctx: WriteContext, name: string): Promise<Keypair | undefined> {
  try {
    return await keypairs.get(ctx.cloud.compute, name, ctx.signal);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export const keypairWriter: KindWriter<Keypair> = {
  kind: 'keypair',
  async find(ctx, r) {
    const found = await byName(ctx, (r.entry.spec as KeypairSpec).name);
    return found ? [found] : [];
  },
  async create(ctx, r) {
    const spec = r.entry.spec as KeypairSpec;
    return keypairs.create(
      ctx.cloud.compute,
      {
        name: spec.name,
        public_key: spec.public_key,
        ...(spec.type && spec.type !== 'ssh' ? { type: spec.type } : {}),
      },
      ctx.signal,
    );
  },
  get: (ctx, id) => byName(ctx, id),
  hasMarker: () => false,
  remove: (ctx, id) => removeIgnoringMissing(() => keypairs.remove(ctx.cloud.compute, id, ctx.signal)),
  idOf: (wire) => wire.name,
};
