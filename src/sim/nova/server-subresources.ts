import { isObj, isoSeconds, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import type { SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { attachVolume, detachVolume } from '../cinder/store.js';
import { createPort, removePort } from '../neutron/ports.js';
import { ensureDefaultGroup } from '../neutron/security-groups.js';
import { bindSubports } from '../neutron/trunks.js';
import { mvAtLeast, novaBadRequest, novaBody, novaConflict, novaNotFound, writer } from './common.js';
import type { ServerRecord } from './server-render.js';
import { getServer } from './servers.js';

export function serverSubresourceRoutes(r: Router, state: RegionState): void {
  const server = (req: SimRequest): ServerRecord => getServer(req, state, req.params.id!);
  const mutable = (req: SimRequest, action: string): ServerRecord => {
    writer(req, state, `os_compute_api:${action}`);
    return server(req);
  };

  // Metadata
  r.get('/v2.1/servers/{id}/metadata', (req) => ({ status: 200, body: { metadata: { ...server(req).metadata } } }));
  const setMeta = (replace: boolean) => (req: SimRequest) => {
    const s = mutable(req, 'server-metadata:update');
    const meta = novaBody(req, 'metadata');
    const values = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)]));
    s.metadata = replace ? values : { ...s.metadata, ...values };
    const limit = state.quotas.limit(s.tenant_id, 'compute', 'metadata_items');
    if (limit >= 0 && Object.keys(s.metadata).length > limit)
      throw new ApiError(
        403,
        `Quota exceeded for metadata_items: Requested ${Object.keys(s.metadata).length}, but already used 0 of ${limit} metadata_items`,
      );
    s.updated = isoSeconds();
    return { status: 200, body: { metadata: { ...s.metadata } } };
  };
  r.put('/v2.1/servers/{id}/metadata', setMeta(true));
  r.post('/v2.1/servers/{id}/metadata', setMeta(false));
  r.get('/v2.1/servers/{id}/metadata/{key}', (req) => {
    const s = server(req);
    if (!(req.params.key! in s.metadata)) throw novaNotFound('Metadata item was not found');
    return { status: 200, body: { meta: { [req.params.key!]: s.metadata[req.params.key!] } } };
  });
  r.put('/v2.1/servers/{id}/metadata/{key}', (req) => {
    const s = mutable(req, 'server-metadata:update');
    const meta = novaBody(req, 'meta');
    const value = meta[req.params.key!];
    if (value === undefined || Object.keys(meta).length !== 1) throw novaBadRequest('Request body and URI mismatch');
    s.metadata[req.params.key!] = String(value);
    return { status: 200, body: { meta: { [req.params.key!]: String(value) } } };
  });
  r.delete('/v2.1/servers/{id}/metadata/{key}', (req) => {
    const s = mutable(req, 'server-metadata:delete');
    if (!(req.params.key! in s.metadata)) throw novaNotFound('Metadata item was not found');
    delete s.metadata[req.params.key!];
    return { status: 204 };
  });

  // Tags (2.26+); below that the routes do not exist.
  const tagged = (req: SimRequest, write: boolean): ServerRecord => {
    if (!mvAtLeast(req, '2.26')) throw novaNotFound('The resource could not be found.');
    return write ? mutable(req, 'os-server-tags:update') : server(req);
  };
  const checkTag = (tag: string): string => {
    if (tag.length > 60 || tag.includes(',') || tag.includes('/')) throw novaBadRequest(`Tag '${tag}' is invalid.`);
    return tag;
  };
  r.get('/v2.1/servers/{id}/tags', (req) => ({ status: 200, body: { tags: [...tagged(req, false).tags] } }));
  r.get('/v2.1/servers/{id}/tags/{tag}', (req) => {
    if (!tagged(req, false).tags.includes(req.params.tag!))
      throw novaNotFound(`Tag ${req.params.tag!} could not be found.`);
    return { status: 204 };
  });
  r.put('/v2.1/servers/{id}/tags', (req) => {
    const s = tagged(req, true);
    const tags =
      isObj(req.body) && Array.isArray(req.body.tags) ? req.body.tags.map((t) => checkTag(String(t))) : undefined;
    if (!tags) throw novaBadRequest("Invalid input for field/attribute tags. 'tags' is a required property");
    if (tags.length > 50) throw novaBadRequest('The number of tags exceeded the per-server limit 50');
    s.tags = [...new Set(tags)];
    return { status: 200, body: { tags: [...s.tags] } };
  });
  r.put('/v2.1/servers/{id}/tags/{tag}', (req) => {
    const s = tagged(req, true);
    const tag = checkTag(req.params.tag!);
    if (s.tags.includes(tag)) return { status: 204 };
    if (s.tags.length >= 50) throw novaBadRequest('The number of tags exceeded the per-server limit 50');
    s.tags.push(tag);
    return { status: 201, headers: { location: `${req.baseUrl}${req.path}` } };
  });
  r.delete('/v2.1/servers/{id}/tags', (req) => {
    tagged(req, true).tags = [];
    return { status: 204 };
  });
  r.delete('/v2.1/servers/{id}/tags/{tag}', (req) => {
    const s = tagged(req, true);
    if (!s.tags.includes(req.params.tag!)) throw novaNotFound(`Tag ${req.params.tag!} could not be found.`);
    s.tags = s.tags.filter((t) => t !== req.params.tag);
    return { status: 204 };
  });

  // Volume attachments
  const renderAttachment = (req: SimRequest, s: ServerRecord, v: ServerRecord['volumes'][number]): Obj => {
    const out: Obj = { id: v.id, serverId: s.id, volumeId: v.id, device: v.device };
    if (mvAtLeast(req, '2.70')) out.tag = v.tag;
    if (mvAtLeast(req, '2.79')) out.delete_on_termination = v.delete_on_termination;
    if (mvAtLeast(req, '2.89')) {
      delete out.id;
      out.attachment_id = v.attachment_id;
      out.bdm_uuid = v.bdm_uuid;
    }
    return out;
  };
  r.get('/v2.1/servers/{id}/os-volume_attachments', (req) => {
    const s = server(req);
    return { status: 200, body: { volumeAttachments: s.volumes.map((v) => renderAttachment(req, s, v)) } };
  });
  r.get('/v2.1/servers/{id}/os-volume_attachments/{vid}', (req) => {
    const s = server(req);
    const v = s.volumes.find((x) => x.id === req.params.vid);
    if (!v) throw novaNotFound(`Volume ${req.params.vid!} is not attached to the instance ${s.id}.`);
    return { status: 200, body: { volumeAttachment: renderAttachment(req, s, v) } };
  });
  r.post('/v2.1/servers/{id}/os-volume_attachments', (req) => {
    const s = mutable(req, 'os-volumes-attachments:create');
    const body = novaBody(req, 'volumeAttachment');
    const volumeId = str(body, 'volumeId');
    if (!volumeId)
      throw novaBadRequest("Invalid input for field/attribute volumeAttachment. 'volumeId' is a required property");
    if (body.tag !== undefined && !mvAtLeast(req, '2.49'))
      throw novaBadRequest("Additional properties are not allowed ('tag' was unexpected)");
    if (body.delete_on_termination !== undefined && !mvAtLeast(req, '2.79'))
      throw novaBadRequest("Additional properties are not allowed ('delete_on_termination' was unexpected)");
    if (s.vm_state !== 'active' && s.vm_state !== 'stopped')
      throw novaConflict(`Cannot 'attach_volume' instance ${s.id} while it is in vm_state ${String(s.vm_state)}`);
    const vol = state.volumes.get(volumeId);
    if (!vol || vol['os-vol-tenant-attr:tenant_id'] !== s.tenant_id)
      throw novaNotFound(`Volume ${volumeId} could not be found.`);
    if (vol.status !== 'available')
      throw novaBadRequest(
        `Invalid volume: volume '${volumeId}' status must be 'available'. Currently in '${String(vol.status)}'`,
      );
    const used = new Set(s.volumes.map((v) => v.device));
    const device =
      str(body, 'device') ?? [...'bcdefghijklmnopqrstuvwxyz'].map((l) => `/dev/vd${l}`).find((d) => !used.has(d))!;
    const attachment = attachVolume(state, vol, s.id, device, s.host);
    const entry = {
      id: volumeId,
      delete_on_termination: body.delete_on_termination === true,
      device,
      attachment_id: String(attachment.attachment_id),
      tag: str(body, 'tag') ?? null,
      bdm_uuid: state.uuid(),
      is_root: false,
    };
    s.volumes.push(entry);
    return { status: 200, body: { volumeAttachment: renderAttachment(req, s, entry) } };
  });
  r.delete('/v2.1/servers/{id}/os-volume_attachments/{vid}', (req) => {
    const s = mutable(req, 'os-volumes-attachments:delete');
    const v = s.volumes.find((x) => x.id === req.params.vid);
    if (!v) throw novaNotFound(`Volume ${req.params.vid!} is not attached to the instance ${s.id}.`);
    if (v.is_root) throw novaBadRequest('Cannot detach a root device volume');
    const vol = state.volumes.get(v.id);
    if (vol) detachVolume(state, vol, s.id);
    s.volumes = s.volumes.filter((x) => x.id !== v.id);
    return { status: 202 };
  });

  // Interfaces
  const renderInterface = (req: SimRequest, port: Obj): Obj => {
    const out: Obj = {
      port_state: port['binding:host_id'] ? 'ACTIVE' : 'DOWN',
      fixed_ips: (port.fixed_ips as Obj[]).map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address })),
      port_id: port.id,
      net_id: port.network_id,
      mac_addr: port.mac_address,
    };
    if (mvAtLeast(req, '2.70')) out.tag = null;
    return out;
  };
  r.get('/v2.1/servers/{id}/os-interface', (req) => {
    const s = server(req);
    return {
      status: 200,
      body: {
        interfaceAttachments: s.port_ids
          .map((p) => state.ports.get(p))
          .filter((p): p is Obj => p !== undefined)
          .map((p) => renderInterface(req, p)),
      },
    };
  });
  r.get('/v2.1/servers/{id}/os-interface/{pid}', (req) => {
    const s = server(req);
    const port = s.port_ids.includes(req.params.pid!) ? state.ports.get(req.params.pid!) : undefined;
    if (!port) throw novaNotFound(`Port ${req.params.pid!} is not attached`);
    return { status: 200, body: { interfaceAttachment: renderInterface(req, port) } };
  });
  r.post('/v2.1/servers/{id}/os-interface', (req) => {
    const s = mutable(req, 'os-attach-interfaces:create');
    const body = novaBody(req, 'interfaceAttachment');
    if (s.vm_state !== 'active' && s.vm_state !== 'stopped')
      throw novaConflict(`Cannot 'attach_interface' instance ${s.id} while it is in vm_state ${String(s.vm_state)}`);
    let port: Obj | undefined;
    const portId = str(body, 'port_id');
    if (portId) {
      port = state.ports.get(portId);
      if (!port || port.project_id !== s.tenant_id) throw novaNotFound(`Port ${portId} could not be found.`);
      if (port.device_id) throw novaConflict(`Port ${portId} is still in use.`);
      Object.assign(port, {
        device_id: s.id,
        device_owner: `compute:${String(s.availability_zone)}`,
        'binding:host_id': s.host,
      });
      bindSubports(state, portId);
    } else {
      const netId = str(body, 'net_id');
      if (!netId || !state.networks.has(netId)) throw novaNotFound(`Network ${netId ?? ''} could not be found.`);
      const fixed = Array.isArray(body.fixed_ips) ? body.fixed_ips : undefined;
      try {
        port = createPort(state, undefined, s.tenant_id, {
          network_id: netId,
          device_id: s.id,
          device_owner: `compute:${String(s.availability_zone)}`,
          'binding:host_id': s.host,
          security_groups: [String(ensureDefaultGroup(state, s.tenant_id).id)],
          ...(fixed ? { fixed_ips: fixed } : {}),
        });
      } catch (error) {
        if (error instanceof ApiError && error.status < 500) throw novaBadRequest(error.message);
        throw error;
      }
      ((s.created_port_ids as string[] | undefined) ?? []).push(String(port.id));
    }
    s.port_ids.push(String(port.id));
    return { status: 200, body: { interfaceAttachment: renderInterface(req, port) } };
  });
  r.delete('/v2.1/servers/{id}/os-interface/{pid}', (req) => {
    const s = mutable(req, 'os-attach-interfaces:delete');
    const pid = req.params.pid!;
    const port = s.port_ids.includes(pid) ? state.ports.get(pid) : undefined;
    if (!port) throw novaNotFound(`Port ${pid} is not attached`);
    s.port_ids = s.port_ids.filter((p) => p !== pid);
    if (((s.created_port_ids as string[] | undefined) ?? []).includes(pid)) {
      removePort(state, port, true);
    } else {
      Object.assign(port, { device_id: '', device_owner: '', 'binding:host_id': '' });
    }
    return { status: 202 };
  });
}
