import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, describeCloud } from '../../src/openstack/cloud.js';
import { AbortedError } from '../../src/shared/errors.js';
import { fakeConfig } from '../support/cloud.js';
import { FakeOpenStack } from '../support/fake-openstack.js';

let fake: FakeOpenStack;
beforeEach(async () => {
  fake = await FakeOpenStack.start();
});
afterEach(async () => {
  await fake.close();
});

describe('connect', () => {
  it('authenticates once and exposes the project', async () => {
    const cloud = await connect(fakeConfig(fake));
    expect(fake.authCount).toBe(1);
    expect(cloud.projectId).toBe(fake.projectId);
    expect(cloud.name).toBe('fake');
    await cloud.close();
  });

  it('stops on the signal while Keystone is slow', async () => {
    const controller = new AbortController();
    fake.on('POST', '/identity/v3/auth/tokens', () => {
      controller.abort();
      return new Promise(() => undefined);
    });
    await expect(connect(fakeConfig(fake), {}, controller.signal)).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('describeCloud', () => {
  it('scope, services with versions and microversions, Neutron extensions, Glance import methods', async () => {
    const cloud = await connect(fakeConfig(fake));
    const info = await describeCloud(cloud);
    expect(info).toMatchObject({
      cloud: 'fake',
      origin: 'test/clouds.yaml',
      region: 'RegionOne',
      interface: 'public',
      authMethods: ['password'],
      roles: ['reader', 'member'],
    });
    expect(info.project).toEqual({ id: fake.projectId, name: 'bascule-src', domain: 'Default' });
    expect(info.services.map((s) => [s.service, s.serviceType, s.apiVersion, s.microversions?.max])).toEqual([
      ['identity', 'identity', 'v3', undefined],
      ['compute', 'compute', 'v2.1', '2.93'],
      ['network', 'network', 'v2.0', undefined],
      ['image', 'image', 'v2', undefined],
      ['block-storage', 'block-storage', 'v3', '3.70'],
    ]);
    expect(info.networkExtensions).toContain('standard-attr-tag');
    expect(info.imageImportMethods).toEqual(['glance-direct', 'web-download', 'copy-image']);
    await cloud.close();
  });

  it('an abort is not reported as a service error: it propagates', async () => {
    const cloud = await connect(fakeConfig(fake));
    const controller = new AbortController();
    controller.abort();
    await expect(describeCloud(cloud, controller.signal)).rejects.toBeInstanceOf(AbortedError);
    await cloud.close();
  });

  it('a failing extensions call leaves the list empty', async () => {
    fake.reply('GET', '/network/v2.0/extensions', { status: 404, body: 'nope' });
    const cloud = await connect(fakeConfig(fake));
    expect((await describeCloud(cloud)).networkExtensions).toEqual([]);
    await cloud.close();
  });
});
