import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { ADMIN_PASSWORD } from '../../src/sim/index.js';
import { call, login, startBasic, waitFor, type Session } from './helpers.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGWhpIQ2MdT6gSo1VrHM1Dv/7S+BrD6M1e0UDzkMx8rK test@bascule';

describe('nova (zed profile)', () => {
  let sim: Simulator;
  let s: Session;
  let netId: string;
  let imageId: string;
  const mv = (v: string): Record<string, string> => ({ 'openstack-api-version': `compute ${v}` });
  beforeAll(async () => {
    sim = await startBasic('zed');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    const n = await call('POST', `${s.url('network')}/v2.0/networks`, {
      token: s.token,
      body: { network: { name: 'app' } },
    });
    netId = n.body.network.id;
    await call('POST', `${s.url('network')}/v2.0/subnets`, {
      token: s.token,
      body: { subnet: { network_id: netId, cidr: '10.1.0.0/24', ip_version: 4 } },
    });
    imageId = (await call('GET', `${s.url('image')}/v2/images?name=cirros`, { token: s.token })).body.images[0].id;
    await call('POST', `${s.url('compute')}/os-keypairs`, {
      token: s.token,
      headers: mv('2.92'),
      body: { keypair: { name: 'k1', public_key: KEY } },
    });
  });
  afterAll(() => sim.stop());
  const c = (path: string): string => `${s.url('compute')}${path}`;

  it('lists versions at / with min and max microversions', async () => {
    const base = s.url('compute').replace(/\/v2\.1$/, '');
    const res = await call('GET', `${base}/`);
    expect(res.body.versions.find((v: { id: string }) => v.id === 'v2.1')).toMatchObject({
      version: '2.93',
      min_version: '2.1',
      status: 'CURRENT',
    });
  });

  it('negotiates microversions from both headers and refuses one above the maximum with 406', async () => {
    const a = await call('GET', c('/flavors'), { token: s.token, headers: mv('2.60') });
    expect(a.headers['openstack-api-version']).toBe('compute 2.60');
    expect(a.headers['x-openstack-nova-api-version']).toBe('2.60');
    const legacy = await call('GET', c('/flavors'), {
      token: s.token,
      headers: { 'x-openstack-nova-api-version': '2.30' },
    });
    expect(legacy.headers['openstack-api-version']).toBe('compute 2.30');
    const none = await call('GET', c('/flavors'), { token: s.token });
    expect(none.headers['openstack-api-version']).toBe('compute 2.1');
    const latest = await call('GET', c('/flavors'), { token: s.token, headers: mv('latest') });
    expect(latest.headers['openstack-api-version']).toBe('compute 2.93');
    const tooHigh = await call('GET', c('/flavors'), { token: s.token, headers: mv('2.94') });
    expect(tooHigh.status).toBe(406);
    expect(tooHigh.body).toEqual({
      computeFault: {
        code: 406,
        message: 'Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.',
      },
    });
    const bad = await call('GET', c('/flavors'), { token: s.token, headers: mv('two') });
    expect(bad.status).toBe(400);
  });

  it('shows flavors with extra specs from 2.61 and refuses a member creating one', async () => {
    const old = await call('GET', c('/flavors/2'), { token: s.token, headers: mv('2.53') });
    expect(old.body.flavor).not.toHaveProperty('extra_specs');
    const nu = await call('GET', c('/flavors/2'), { token: s.token, headers: mv('2.61') });
    expect(nu.body.flavor.extra_specs).toEqual({ 'hw:cpu_policy': 'shared' });
    const denied = await call('POST', c('/flavors'), {
      token: s.token,
      body: { flavor: { name: 'x', ram: 1, vcpus: 1, disk: 1 } },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.forbidden.message).toContain('os_compute_api:os-flavor-manage:create');
    const missing = await call('GET', c('/flavors/nope'), { token: s.token });
    expect(missing.body).toEqual({ itemNotFound: { code: 404, message: 'Flavor nope could not be found.' } });
  });

  it('keypairs: 201 from 2.2, public_key required from 2.92, fingerprint computed', async () => {
    const k = await call('GET', c('/os-keypairs/k1'), { token: s.token, headers: mv('2.2') });
    expect(k.body.keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(k.body.keypair.type).toBe('ssh');
    const dup = await call('POST', c('/os-keypairs'), {
      token: s.token,
      headers: mv('2.92'),
      body: { keypair: { name: 'k1', public_key: KEY } },
    });
    expect(dup.status).toBe(409);
    const gen = await call('POST', c('/os-keypairs'), {
      token: s.token,
      headers: mv('2.92'),
      body: { keypair: { name: 'k2' } },
    });
    expect(gen.status).toBe(400);
    const gen1 = await call('POST', c('/os-keypairs'), {
      token: s.token,
      headers: mv('2.1'),
      body: { keypair: { name: 'k3' } },
    });
    expect(gen1.status).toBe(200);
    expect(gen1.body.keypair.private_key).toContain('PRIVATE KEY');
    expect((await call('DELETE', c('/os-keypairs/k3'), { token: s.token, headers: mv('2.2') })).status).toBe(204);
    const list = await call('GET', c('/os-keypairs'), { token: s.token });
    expect(list.body.keypairs.map((x: { keypair: { name: string } }) => x.keypair.name)).toEqual(['k1']);
  });

  it('server groups: policies before 2.64, policy and rules after', async () => {
    const old = await call('POST', c('/os-server-groups'), {
      token: s.token,
      headers: mv('2.53'),
      body: { server_group: { name: 'g1', policies: ['anti-affinity'] } },
    });
    expect(old.status).toBe(200);
    expect(old.body.server_group).toMatchObject({ name: 'g1', policies: ['anti-affinity'], metadata: {} });
    expect(old.body.server_group).not.toHaveProperty('policy');
    const wrong = await call('POST', c('/os-server-groups'), {
      token: s.token,
      headers: mv('2.64'),
      body: { server_group: { name: 'g2', policies: ['affinity'] } },
    });
    expect(wrong.status).toBe(400);
    const nu = await call('GET', c(`/os-server-groups/${old.body.server_group.id}`), {
      token: s.token,
      headers: mv('2.64'),
    });
    expect(nu.body.server_group).toMatchObject({ policy: 'anti-affinity', rules: {} });
    expect(nu.body.server_group).not.toHaveProperty('policies');
  });

  it('creates a server (BUILD then ACTIVE) with network, key, SG, metadata, tags, user_data and group', async () => {
    const group = (await call('GET', c('/os-server-groups'), { token: s.token })).body.server_groups[0];
    const res = await call('POST', c('/servers'), {
      token: s.token,
      headers: mv('2.93'),
      body: {
        server: {
          name: 'web-1',
          flavorRef: '1',
          imageRef: imageId,
          networks: [{ uuid: netId }],
          key_name: 'k1',
          security_groups: [{ name: 'default' }],
          metadata: { role: 'web' },
          tags: ['a', 'b'],
          user_data: Buffer.from('#!/bin/sh\necho hi').toString('base64'),
          config_drive: true,
          availability_zone: 'nova',
        },
        'os:scheduler_hints': { group: group.id },
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.server.adminPass).toBeTypeOf('string');
    const id = res.body.server.id;
    const shown = await waitFor(
      () => call('GET', c(`/servers/${id}`), { token: s.token, headers: mv('2.93') }),
      (r) => r.body.server.status === 'ACTIVE',
    );
    const srv = shown.body.server;
    expect(srv).toMatchObject({
      name: 'web-1',
      key_name: 'k1',
      metadata: { role: 'web' },
      tags: ['a', 'b'],
      config_drive: 'True',
      'OS-EXT-STS:vm_state': 'active',
    });
    expect(srv.flavor).toMatchObject({ original_name: 'm1.tiny', vcpus: 1, ram: 512 });
    expect(srv.addresses.app[0]).toMatchObject({ version: 4, addr: '10.1.0.2', 'OS-EXT-IPS:type': 'fixed' });
    expect(srv.security_groups).toEqual([{ name: 'default' }]);
    expect(srv).not.toHaveProperty('OS-EXT-SRV-ATTR:user_data');
    expect(srv.server_groups).toEqual([group.id]);
    const old = await call('GET', c(`/servers/${id}`), { token: s.token, headers: mv('2.46') });
    expect(old.body.server.flavor).toMatchObject({ id: '1' });
    const older = await call('GET', c(`/servers/${id}`), { token: s.token, headers: mv('2.25') });
    expect(older.body.server).not.toHaveProperty('tags');
    const admin = await login(sim, 'c', 'admin', ADMIN_PASSWORD, 'admin');
    const asAdmin = await call('GET', `${admin.url('compute')}/servers/${id}`, {
      token: admin.token,
      headers: mv('2.3'),
    });
    expect(Buffer.from(asAdmin.body.server['OS-EXT-SRV-ATTR:user_data'], 'base64').toString()).toBe(
      '#!/bin/sh\necho hi',
    );
    const ports = await call('GET', `${s.url('network')}/v2.0/ports?device_id=${id}`, { token: s.token });
    expect(ports.body.ports[0]).toMatchObject({ device_owner: 'compute:nova', status: 'ACTIVE' });
    const group2 = await call('GET', c(`/os-server-groups/${group.id}`), { token: s.token });
    expect(group2.body.server_group.members).toEqual([id]);
  });

  it('validates server create as Nova does', async () => {
    const base = { name: 'x', flavorRef: '1', imageRef: imageId, networks: [{ uuid: netId }] };
    const tagsOld = await call('POST', c('/servers'), {
      token: s.token,
      headers: mv('2.51'),
      body: { server: { ...base, tags: ['t'] } },
    });
    expect(tagsOld.status).toBe(400);
    expect(tagsOld.body.badRequest.message).toContain("('tags' was unexpected)");
    const noNets = await call('POST', c('/servers'), {
      token: s.token,
      headers: mv('2.37'),
      body: { server: { name: 'x', flavorRef: '1', imageRef: imageId } },
    });
    expect(noNets.status).toBe(400);
    const badFlavor = await call('POST', c('/servers'), {
      token: s.token,
      body: { server: { ...base, flavorRef: '99' } },
    });
    expect(badFlavor.body.badRequest.message).toBe('Flavor 99 could not be found.');
    const badKey = await call('POST', c('/servers'), {
      token: s.token,
      body: { server: { ...base, key_name: 'nokey' } },
    });
    expect(badKey.body.badRequest.message).toBe('Invalid key_name provided.');
    const badImage = await call('POST', c('/servers'), {
      token: s.token,
      body: { server: { ...base, imageRef: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(badImage.body.badRequest.message).toBe('Can not find requested image');
    const admin = await login(sim, 'c', 'admin', ADMIN_PASSWORD, 'admin');
    await call('PUT', `${admin.url('compute')}/os-quota-sets/${s.projectId}`, {
      token: admin.token,
      body: { quota_set: { instances: 1 } },
    });
    const over = await call('POST', c('/servers'), { token: s.token, body: { server: base } });
    expect(over.status).toBe(403);
    expect(over.body.forbidden.message).toBe(
      'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances',
    );
    await call('PUT', `${admin.url('compute')}/os-quota-sets/${s.projectId}`, {
      token: admin.token,
      body: { quota_set: { instances: 10 } },
    });
  });

  it('stops, starts, snapshots (with the base image bytes) and deletes a server', async () => {
    const id = (await call('GET', c('/servers?name=web-1'), { token: s.token })).body.servers[0].id;
    expect((await call('POST', c(`/servers/${id}/action`), { token: s.token, body: { 'os-stop': null } })).status).toBe(
      202,
    );
    await waitFor(
      () => call('GET', c(`/servers/${id}`), { token: s.token }),
      (r) => r.body.server.status === 'SHUTOFF',
    );
    const again = await call('POST', c(`/servers/${id}/action`), { token: s.token, body: { 'os-stop': null } });
    expect(again.status).toBe(409);
    expect(again.body.conflictingRequest.message).toBe(`Cannot 'stop' instance ${id} while it is in vm_state stopped`);
    await call('POST', c(`/servers/${id}/action`), { token: s.token, body: { 'os-start': null } });
    await waitFor(
      () => call('GET', c(`/servers/${id}`), { token: s.token }),
      (r) => r.body.server.status === 'ACTIVE',
    );
    const snap = await call('POST', c(`/servers/${id}/action`), {
      token: s.token,
      headers: mv('2.45'),
      body: { createImage: { name: 'web-1-snap', metadata: { purpose: 'backup' } } },
    });
    expect(snap.status).toBe(202);
    const snapId = snap.body.image_id;
    const img = await waitFor(
      () => call('GET', `${s.url('image')}/v2/images/${snapId}`, { token: s.token }),
      (r) => r.body.status === 'active',
    );
    const base = await call('GET', `${s.url('image')}/v2/images/${imageId}`, { token: s.token });
    expect(img.body).toMatchObject({
      checksum: base.body.checksum,
      size: base.body.size,
      image_type: 'snapshot',
      instance_uuid: id,
      purpose: 'backup',
    });
    const oldStyle = await call('POST', c(`/servers/${id}/action`), {
      token: s.token,
      headers: mv('2.44'),
      body: { createImage: { name: 'legacy' } },
    });
    expect(oldStyle.headers.location).toMatch(/\/images\/[0-9a-f-]{36}$/);
    expect((await call('DELETE', c(`/servers/${id}`), { token: s.token })).status).toBe(204);
    expect((await call('GET', c(`/servers/${id}`), { token: s.token })).body.itemNotFound.message).toBe(
      `Instance ${id} could not be found.`,
    );
    const ports = await call('GET', `${s.url('network')}/v2.0/ports?device_id=${id}`, { token: s.token });
    expect(ports.body.ports).toEqual([]);
  });

  it('boots from volume, attaches and detaches a data volume, adds an interface', async () => {
    const res = await call('POST', c('/servers'), {
      token: s.token,
      headers: mv('2.79'),
      body: {
        server: {
          name: 'db-1',
          flavorRef: '2',
          networks: [{ uuid: netId }],
          block_device_mapping_v2: [
            {
              boot_index: 0,
              uuid: imageId,
              source_type: 'image',
              destination_type: 'volume',
              volume_size: 1,
              delete_on_termination: true,
            },
          ],
        },
      },
    });
    expect(res.status).toBe(202);
    const id = res.body.server.id;
    const srv = await waitFor(
      () => call('GET', c(`/servers/${id}`), { token: s.token, headers: mv('2.79') }),
      (r) => r.body.server.status === 'ACTIVE',
    );
    expect(srv.body.server.image).toBe('');
    const rootId = srv.body.server['os-extended-volumes:volumes_attached'][0].id;
    const v = s.url('volumev3');
    const root = await call('GET', `${v}/volumes/${rootId}`, { token: s.token });
    expect(root.body.volume).toMatchObject({ status: 'in-use', bootable: 'true' });
    expect(root.body.volume.volume_image_metadata.image_id).toBe(imageId);
    const data = await call('POST', `${v}/volumes`, { token: s.token, body: { volume: { size: 1, name: 'data' } } });
    await waitFor(
      () => call('GET', `${v}/volumes/${data.body.volume.id}`, { token: s.token }),
      (r) => r.body.volume.status === 'available',
    );
    const att = await call('POST', c(`/servers/${id}/os-volume_attachments`), {
      token: s.token,
      headers: mv('2.79'),
      body: { volumeAttachment: { volumeId: data.body.volume.id } },
    });
    expect(att.status).toBe(200);
    expect(att.body.volumeAttachment).toMatchObject({
      volumeId: data.body.volume.id,
      device: '/dev/vdb',
      delete_on_termination: false,
    });
    await waitFor(
      () => call('GET', `${v}/volumes/${data.body.volume.id}`, { token: s.token }),
      (r) => r.body.volume.status === 'in-use',
    );
    const list = await call('GET', c(`/servers/${id}/os-volume_attachments`), { token: s.token });
    expect(list.body.volumeAttachments).toHaveLength(2);
    const rootDetach = await call('DELETE', c(`/servers/${id}/os-volume_attachments/${rootId}`), { token: s.token });
    expect(rootDetach.status).toBe(400);
    expect(
      (await call('DELETE', c(`/servers/${id}/os-volume_attachments/${data.body.volume.id}`), { token: s.token }))
        .status,
    ).toBe(202);
    await waitFor(
      () => call('GET', `${v}/volumes/${data.body.volume.id}`, { token: s.token }),
      (r) => r.body.volume.status === 'available',
    );
    const iface = await call('POST', c(`/servers/${id}/os-interface`), {
      token: s.token,
      body: { interfaceAttachment: { net_id: netId } },
    });
    expect(iface.status).toBe(200);
    expect(
      (await call('GET', c(`/servers/${id}/os-interface`), { token: s.token })).body.interfaceAttachments,
    ).toHaveLength(2);
    await call('DELETE', c(`/servers/${id}`), { token: s.token });
    expect((await call('GET', `${v}/volumes/${rootId}`, { token: s.token })).status).toBe(404);
  });

  it('metadata and tags subresources', async () => {
    const res = await call('POST', c('/servers'), {
      token: s.token,
      body: { server: { name: 'meta', flavorRef: '1', imageRef: imageId, networks: 'none' } },
    });
    const id = res.body.server.id;
    expect(
      (await call('POST', c(`/servers/${id}/metadata`), { token: s.token, body: { metadata: { a: '1' } } })).body
        .metadata,
    ).toEqual({ a: '1' });
    expect(
      (await call('PUT', c(`/servers/${id}/metadata/b`), { token: s.token, body: { meta: { b: '2' } } })).body.meta,
    ).toEqual({ b: '2' });
    expect((await call('GET', c(`/servers/${id}/metadata`), { token: s.token })).body.metadata).toEqual({
      a: '1',
      b: '2',
    });
    expect((await call('PUT', c(`/servers/${id}/tags/x`), { token: s.token, headers: mv('2.26') })).status).toBe(201);
    expect((await call('GET', c(`/servers/${id}/tags`), { token: s.token, headers: mv('2.26') })).body.tags).toEqual([
      'x',
    ]);
    expect((await call('GET', c(`/servers/${id}/tags`), { token: s.token, headers: mv('2.25') })).status).toBe(404);
    expect(
      (await call('GET', c(`/servers/detail?tags=x`), { token: s.token, headers: mv('2.26') })).body.servers.map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([id]);
  });

  it('paginates servers newest first with servers_links', async () => {
    for (let i = 0; i < 3; i++)
      await call('POST', c('/servers'), {
        token: s.token,
        body: { server: { name: `pg-${i}`, flavorRef: '1', imageRef: imageId, networks: 'none' } },
      });
    const first = await call('GET', c('/servers?limit=2'), { token: s.token });
    expect(first.body.servers.map((x: { name: string }) => x.name)).toEqual(['pg-2', 'pg-1']);
    const next = first.body.servers_links[0].href as string;
    expect(next).toContain('marker=');
    const second = await call('GET', next, { token: s.token });
    expect(second.body.servers[0].name).toBe('pg-0');
    const bad = await call('GET', c('/servers?marker=nope'), { token: s.token });
    expect(bad.status).toBe(400);
    const unknown = await call('GET', c('/servers?colour=red'), { token: s.token, headers: mv('2.75') });
    expect(unknown.body).toEqual({
      badRequest: { code: 400, message: "Additional properties are not allowed ('colour' was unexpected)" },
    });
    expect((await call('GET', c('/servers?colour=red'), { token: s.token, headers: mv('2.74') })).status).toBe(200);
    const all = await call('GET', c('/servers?all_tenants=1'), { token: s.token });
    expect(all.status).toBe(403);
    expect(all.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.",
    );
  });

  it('availability zones, limits and quotas', async () => {
    expect(
      (await call('GET', c('/os-availability-zone'), { token: s.token })).body.availabilityZoneInfo[0].zoneName,
    ).toBe('nova');
    const limits = await call('GET', c('/limits'), { token: s.token });
    expect(limits.body.limits.absolute).toMatchObject({ maxTotalInstances: 10, totalInstancesUsed: 4 });
    const detail = await call('GET', c(`/os-quota-sets/${s.projectId}/detail`), { token: s.token });
    expect(detail.body.quota_set.instances).toEqual({ limit: 10, in_use: 4, reserved: 0 });
  });
});

describe('nova power actions', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    sim = await startBasic('zed');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());

  it('pauses, suspends, shelves and locks as Nova does', async () => {
    const image = (await call('GET', `${s.url('image')}/v2/images?name=cirros`, { token: s.token })).body.images[0].id;
    const c = (path: string): string => `${s.url('compute')}${path}`;
    const id = (
      await call('POST', c('/servers'), {
        token: s.token,
        body: { server: { name: 'p', flavorRef: '1', imageRef: image, networks: 'none' } },
      })
    ).body.server.id;
    const status = async (): Promise<{ status: string; 'OS-EXT-STS:power_state': number; locked: boolean }> =>
      (
        await waitFor(
          () =>
            call('GET', c(`/servers/${id}`), { token: s.token, headers: { 'openstack-api-version': 'compute 2.73' } }),
          (r) => r.body.server['OS-EXT-STS:task_state'] === null,
        )
      ).body.server;
    await status();
    const act = (body: object) => call('POST', c(`/servers/${id}/action`), { token: s.token, body });
    expect((await act({ pause: null })).status).toBe(202);
    expect(await status()).toMatchObject({ status: 'PAUSED', 'OS-EXT-STS:power_state': 3 });
    expect((await act({ suspend: null })).status).toBe(409);
    await act({ unpause: null });
    await act({ suspend: null });
    expect(await status()).toMatchObject({ status: 'SUSPENDED', 'OS-EXT-STS:power_state': 7 });
    await act({ resume: null });
    await status();
    await act({ shelve: null });
    expect((await status()).status).toBe('SHELVED_OFFLOADED');
    await act({ unshelve: null });
    expect((await status()).status).toBe('ACTIVE');
    await act({ lock: { locked_reason: 'audit' } });
    expect(await status()).toMatchObject({ locked: true, locked_reason: 'audit' });
    const locked = await act({ 'os-stop': null });
    expect(locked.status).toBe(409);
    expect(locked.body.conflictingRequest.message).toBe(`Instance ${id} is locked`);
    await act({ unlock: null });
    expect((await act({ resize: { flavorRef: '2' } })).status).toBe(400);
  });
});
