/**
 * The contract: the API behaviours Bascule relies on, checked with Bascule's own client. The same suite runs
 * against the simulator's `zed` profile (test/contract/sim.test.ts, in the unit suite) and against the real
 * OpenStack Zed (test/e2e/contract.test.ts), so the simulator cannot drift from the real thing unnoticed.
 * A deliberate difference is declared in `known` with its reason, and documented in docs/simulator.md.
 * The optional services (object storage, load balancers, DNS, Neutron extras) have a section each in test/contract/services/,
 * skipped with the reason when the target's catalog does not have the service.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as securityGroups from '../../src/openstack/network/security-groups/requests.js';
import * as securityGroupRules from '../../src/openstack/network/security-group-rules/requests.js';
import { addTag } from '../../src/openstack/network/common.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as flavors from '../../src/openstack/compute/flavors/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import { OS_ERROR, isHttpError } from '../../src/openstack/errors.js';
import { waitOrThrow } from '../../src/openstack/waiter.js';
import * as domains from '../../src/openstack/identity/domains.js';
import * as projects from '../../src/openstack/identity/projects.js';
import * as roles from '../../src/openstack/identity/roles.js';
import * as users from '../../src/openstack/identity/users.js';
import * as computeQuotas from '../../src/openstack/compute/quotas/requests.js';
import * as networkQuotas from '../../src/openstack/network/quotas/requests.js';
import * as blockQuotas from '../../src/openstack/block-storage/quotas/requests.js';
import { SERVICE_SECTIONS } from './services/index.js';
import type { SectionContext } from './services/section.js';
import { serviceAbsence } from './services/section.js';

export interface ContractTarget {
  /** A member of a project that this suite may fill and empty. */
  cloud: Cloud;
  /** An admin of the same cloud (the campaign's operator steps), when the suite may use one. */
  admin?: Cloud;
  /** An image every project can boot (public). */
  bootImageName?: string;
  /** Close connections, stop servers. */
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Behaviours this target is known not to have, with the reason (they are skipped, and said so). */
  known?: Partial<Record<'server-active' | 'volume-upload', string>>;
  timeoutMs?: number;
}

const PREFIX = `contract-${randomBytes(3).toString('hex')}`;

export function contractSuite(label: string, open: () => Promise<ContractTarget>, options: ContractOptions = {}): void {
  describe(`contract: ${label}`, () => {
    let target: ContractTarget;
    const cleanups: (() => Promise<unknown>)[] = [];
    const timeoutMs = options.timeoutMs ?? 120_000;

    beforeAll(async () => {
      target = await open();
    });
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await target?.close();
    });

    it('authenticates with a project-scoped token and a catalog holding the five services', async () => {
      const token = await target.cloud.token();
      expect(token.project?.id).toMatch(/^[0-9a-f-]{32,36}$/);
      expect(token.roles).toContain('member');
      for (const service of ['identity', 'compute', 'network', 'image', 'block-storage'] as const) {
        const resolved = await target.cloud.client(service).resolve();
        expect(resolved.base).toMatch(/^http/);
      }
    });

    it('announces microversion ranges for Nova and Cinder and echoes the negotiated one', async () => {
      const compute = await target.cloud.compute.resolve();
      const volume = await target.cloud.blockStorage.resolve();
      expect(compute.versions?.min).toBe('2.1');
      expect(Number(compute.versions?.max.split('.')[1])).toBeGreaterThanOrEqual(53);
      expect(volume.versions?.min).toBe('3.0');
      const response = await target.cloud.compute.request('GET', '/flavors', { microversion: { max: '2.60' } });
      expect(response.microversion).toBe('2.60');
      expect(String(response.headers['openstack-api-version'])).toBe('compute 2.60');
    });

    it('answers a missing resource with 404 and each service its own error body', async () => {
      const id = randomUUID();
      const cases = [
        () => servers.get(target.cloud.compute, id),
        () => networks.get(target.cloud.network, id),
        () => images.get(target.cloud.image, id),
        () => volumes.get(target.cloud.blockStorage, id),
      ];
      const faults: (string | undefined)[] = [];
      for (const call of cases) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isHttpError(error, OS_ERROR.NOT_FOUND)).toBe(true);
        if (isHttpError(error)) faults.push(error.fault);
      }
      expect(faults).toEqual(['itemNotFound', 'NetworkNotFound', undefined, 'itemNotFound']);
    });

    it('pages Neutron collections with limit and next links', async () => {
      for (let i = 0; i < 3; i++) {
        const net = await networks.create(target.cloud.network, { name: `${PREFIX}-page-${i}` });
        cleanups.push(() => networks.remove(target.cloud.network, net.id));
      }
      const all = await collect(networks.list(target.cloud.network, { name: undefined }, { pageSize: 1 }));
      const mine = all.filter((n) => n.name?.startsWith(`${PREFIX}-page-`));
      expect(mine).toHaveLength(3);
      expect(new Set(all.map((n) => n.id)).size).toBe(all.length);
    });

    it('gives each project one `default` security group with the default rules', async () => {
      const groups = await collect(
        securityGroups.list(target.cloud.network, { name: 'default', project_id: target.cloud.projectId }),
      );
      expect(groups).toHaveLength(1);
      const rules = await collect(securityGroupRules.list(target.cloud.network, { security_group_id: groups[0]!.id }));
      const shape = rules.map((r) => `${r.direction}/${r.ethertype}/${r.remote_group_id ? 'group' : 'any'}`).sort();
      expect(shape).toEqual(['egress/IPv4/any', 'egress/IPv6/any', 'ingress/IPv4/group', 'ingress/IPv6/group']);
      // A duplicate rule is refused with 409.
      const egress = rules.find((r) => r.direction === 'egress' && r.ethertype === 'IPv4')!;
      const error = await securityGroupRules
        .create(target.cloud.network, {
          security_group_id: egress.security_group_id,
          direction: 'egress',
          ethertype: 'IPv4',
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isHttpError(error, OS_ERROR.CONFLICT)).toBe(true);
    });

    it('admin calls of the operator steps: Keystone projects, grants, quotas; a member gets 403', async () => {
      const admin = target.admin;
      if (!admin) return;
      const member = target.cloud;
      const forbidden = (error: unknown) => isHttpError(error, OS_ERROR.FORBIDDEN);
      const token = await member.token();
      const pid = member.projectId;
      for (const call of [
        () => domains.list(member.identity, { name: 'Default' }),
        () => projects.list(member.identity, {}),
        () => roles.assignmentsOnProject(member.identity, pid),
        () => computeQuotas.update(member.compute, pid, { cores: 1 }),
        () => networkQuotas.update(member.network, pid, { port: 1 }),
        () => blockQuotas.update(member.blockStorage, pid, { volumes: 1 }),
      ])
        expect(
          await call().then(
            () => 'allowed',
            (e: unknown) => (forbidden(e) ? 403 : String(e)),
          ),
        ).toBe(403);

      expect((await domains.list(admin.identity, { name: 'Default' })).map((d) => d.id)).toEqual(['default']);
      const made = await projects.create(admin.identity, {
        name: `${PREFIX}-project`,
        domain_id: 'default',
        description: 'contract',
        enabled: true,
        tags: ['contract', 'bascule-created'],
      });
      cleanups.push(() => projects.remove(admin.identity, made.id));
      expect(made).toMatchObject({ name: `${PREFIX}-project`, domain_id: 'default', description: 'contract' });
      expect([...(made.tags ?? [])].sort()).toEqual(['bascule-created', 'contract']);
      expect((await projects.list(admin.identity, { name: made.name, domain_id: 'default' })).map((p) => p.id)).toEqual(
        [made.id],
      );
      const [user] = await users.list(admin.identity, { name: token.user.name, domain_id: 'default' });
      expect(user?.id).toBe(token.user.id);
      const [role] = await roles.list(admin.identity, { name: 'member' });
      expect(role?.name).toBe('member');
      const grantee = { projectId: made.id, userId: user!.id, roleId: role!.id };
      await roles.grant(admin.identity, grantee);
      const listed = await roles.assignmentsOnProject(admin.identity, made.id);
      expect(listed.map((a) => [a.user?.id, a.user?.name, a.role.name, a.scope.project?.id])).toEqual([
        [user!.id, token.user.name, 'member', made.id],
      ]);
      // A member's own project is not theirs to grant on.
      expect(
        await roles.grant(member.identity, grantee).then(
          () => 'allowed',
          (e: unknown) => (forbidden(e) ? 403 : String(e)),
        ),
      ).toBe(403);
      await roles.revoke(admin.identity, grantee);
      expect(await roles.assignmentsOnProject(admin.identity, made.id)).toEqual([]);
      expect(
        await roles.revoke(admin.identity, grantee).then(
          () => 'revoked',
          (e: unknown) => (isHttpError(e, OS_ERROR.NOT_FOUND) ? 404 : String(e)),
        ),
      ).toBe(404);

      const cores = (await computeQuotas.defaults(admin.compute, made.id)).cores;
      expect(typeof cores).toBe('number');
      expect((await computeQuotas.update(admin.compute, made.id, { cores: 3 })).cores).toBe(3);
      expect((await networkQuotas.update(admin.network, made.id, { port: 7 })).port).toBe(7);
      expect((await blockQuotas.update(admin.blockStorage, made.id, { volumes: 2 })).volumes).toBe(2);
      expect((await computeQuotas.get(admin.compute, made.id)).cores).toBe(3);
      await computeQuotas.reset(admin.compute, made.id);
      await networkQuotas.reset(admin.network, made.id);
      await blockQuotas.reset(admin.blockStorage, made.id);
      expect((await computeQuotas.get(admin.compute, made.id)).cores).toBe(cores);
      expect((await networkQuotas.get(admin.network, made.id)).port).toBe(
        (await networkQuotas.defaults(admin.network, made.id)).port,
      );
      expect((await blockQuotas.get(admin.blockStorage, made.id)).volumes).toBe(
        (await blockQuotas.defaults(admin.blockStorage, made.id)).volumes,
      );
      await projects.remove(admin.identity, made.id);
      expect(await projects.list(admin.identity, { name: made.name })).toEqual([]);
    });

    it('tags Neutron resources and filters on tags', async () => {
      const net = await networks.create(target.cloud.network, { name: `${PREFIX}-tagged` });
      cleanups.push(() => networks.remove(target.cloud.network, net.id));
      await addTag(target.cloud.network, 'networks', net.id, 'bascule:contract');
      const found = await collect(networks.list(target.cloud.network, { tags: 'bascule:contract' }));
      expect(found.map((n) => n.id)).toContain(net.id);
      expect((await networks.get(target.cloud.network, net.id)).tags).toEqual(['bascule:contract']);
    });

    it('stores image bytes and reports md5 and sha512 checksums', async () => {
      const bytes = randomBytes(256 * 1024 + 17);
      const image = await images.create(target.cloud.image, {
        name: `${PREFIX}-image`,
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
      });
      cleanups.push(() => images.remove(target.cloud.image, image.id));
      expect(image.status).toBe('queued');
      await images.upload(target.cloud.image, image.id, bytes, bytes.length);
      const ready = await waitOrThrow(`image ${image.id}`, {
        poll: () => images.get(target.cloud.image, image.id),
        status: (i) => i.status,
        ready: ['active'],
        failed: ['killed'],
        timeoutMs,
        intervalMs: 200,
      });
      expect(ready.size).toBe(bytes.length);
      expect(ready.checksum).toBe(createHash('md5').update(bytes).digest('hex'));
      expect(ready.os_hash_algo).toBe('sha512');
      expect(ready.os_hash_value).toBe(createHash('sha512').update(bytes).digest('hex'));
      const download = await images.download(target.cloud.image, image.id);
      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    });

    it('creates a volume that goes from creating to available', async () => {
      const volume = await volumes.create(target.cloud.blockStorage, { size: 1, name: `${PREFIX}-vol` });
      cleanups.push(() => volumes.remove(target.cloud.blockStorage, volume.id));
      expect(['creating', 'available']).toContain(volume.status);
      const ready = await waitOrThrow(`volume ${volume.id}`, {
        poll: () => volumes.get(target.cloud.blockStorage, volume.id),
        status: (v) => v.status,
        ready: ['available'],
        failed: ['error'],
        timeoutMs,
        intervalMs: 200,
      });
      expect(ready.size).toBe(1);
    });

    it.skipIf(Boolean(options.known?.['volume-upload']))(
      'uploads a volume to an image that holds its bytes',
      async () => {
        const volume = await volumes.create(target.cloud.blockStorage, { size: 1, name: `${PREFIX}-upload` });
        cleanups.push(() => volumes.remove(target.cloud.blockStorage, volume.id));
        await waitOrThrow(`volume ${volume.id}`, {
          poll: () => volumes.get(target.cloud.blockStorage, volume.id),
          status: (v) => v.status,
          ready: ['available'],
          failed: ['error'],
          timeoutMs,
          intervalMs: 200,
        });
        const { image_id } = await volumes.uploadToImage(target.cloud.blockStorage, volume.id, {
          image_name: `${PREFIX}-from-volume`,
        });
        cleanups.push(() => images.remove(target.cloud.image, image_id));
        const image = await waitOrThrow(`image ${image_id}`, {
          poll: () => images.get(target.cloud.image, image_id),
          status: (i) => i.status,
          ready: ['active'],
          failed: ['killed'],
          timeoutMs,
          intervalMs: 500,
        });
        expect(image.size).toBe(1024 * 1024 * 1024);
      },
    );

    it.skipIf(Boolean(options.known?.['server-active']))(
      'boots a server that goes from BUILD to ACTIVE and carries its tags',
      async () => {
        const flavorList = await collect(flavors.list(target.cloud.compute));
        const flavor = [...flavorList].sort((a, b) => a.ram - b.ram || a.vcpus - b.vcpus)[0]!;
        const imageList = await collect(images.list(target.cloud.image, { status: 'active', visibility: 'public' }));
        const image = imageList.find((i) => !target.bootImageName || i.name === target.bootImageName) ?? imageList[0]!;
        const net = await networks.create(target.cloud.network, { name: `${PREFIX}-srv-net` });
        cleanups.push(() => networks.remove(target.cloud.network, net.id));
        const { subnetsApi } = await import('../../src/openstack/network/subnets/requests.js');
        const subnet = await subnetsApi.create(target.cloud.network, {
          network_id: net.id,
          ip_version: 4,
          cidr: '192.168.77.0/24',
        });
        cleanups.push(() => subnetsApi.remove(target.cloud.network, subnet.id));
        const server = await servers.create(target.cloud.compute, {
          name: `${PREFIX}-vm`,
          flavorRef: flavor.id,
          imageRef: image.id,
          networks: [{ uuid: net.id }],
          tags: ['bascule:contract'],
          metadata: { role: 'contract' },
        });
        // Cleanups run in reverse: the server goes (and is gone) before its subnet and network.
        cleanups.push(async () => {
          await servers.remove(target.cloud.compute, server.id);
          await waitGone(() => servers.get(target.cloud.compute, server.id), timeoutMs);
        });
        expect(server).not.toHaveProperty('adminPass');
        const ready = await waitOrThrow(`server ${server.id}`, {
          poll: () => servers.get(target.cloud.compute, server.id),
          status: (s) => s.status,
          ready: ['ACTIVE'],
          failed: ['ERROR'],
          timeoutMs,
          intervalMs: 500,
        });
        expect(ready.tags).toEqual(['bascule:contract']);
        expect(ready.metadata).toEqual({ role: 'contract' });
        expect(ready.flavor.original_name).toBe(flavor.name);
      },
    );

    const section: SectionContext = {
      get target() {
        return target;
      },
      prefix: PREFIX,
      timeoutMs,
      cleanup: (undo) => cleanups.push(undo),
    };
    for (const service of SERVICE_SECTIONS) {
      describe(`${service.title} (${service.service})`, () => {
        let absent: string | undefined;
        beforeAll(async () => {
          absent = (await serviceAbsence(target, service.service)) ?? (await service.absence?.(target));
        });
        service.checks((name, fn) =>
          it(name, async (context) => {
            if (absent) context.skip(absent);
            await fn(section);
          }),
        );
      });
    }
  });
}

async function waitGone(get: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const gone = await get().then(
      () => false,
      (e: unknown) => isHttpError(e, OS_ERROR.NOT_FOUND),
    );
    if (gone) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
