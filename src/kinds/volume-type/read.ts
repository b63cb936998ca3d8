/**
 * Volume types: always external references (a member cannot create them). Cinder names the type of a volume by
 * name (`volume_type`), so the reference is the name; the description is the name (mapping matches by name).
 */
import type { VolumeType } from '../../openstack/block-storage/types/requests.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { errorText, listVolumeTypes } from '../shared/read.js';

export const volumeTypeReader: KindReader<VolumeType> = {
  kind: 'volume_type',
  async list() {
    return [];
  },
  identify: (type) => ({ id: type.name, name: type.name }),
  toEntry(type): DraftEntry {
    return { spec: { name: type.name }, refs: {}, source: { id: type.id } };
  },
  async describeExternal(nameOrId, ctx) {
    let types: VolumeType[] = [];
    try {
      types = await listVolumeTypes(ctx);
    } catch (error) {
      ctx.logger.debug('volume type list failed; describing the type by its name only', { error: errorText(error) });
    }
    const type = types.find((t) => t.name === nameOrId) ?? types.find((t) => t.id === nameOrId);
    // A private type the member cannot list is still known by the name the volume gave.
    return type
      ? { spec: { name: type.name }, source: { id: type.id } }
      : { spec: { name: nameOrId }, source: { id: nameOrId } };
  },
};
