import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import { waitFor, waitOrThrow, WAITER_STATE } from '../../src/openstack/waiter.js';
import { AbortedError, isBasculeError } from '../../src/shared/errors.js';
import { fakeCloud } from '../support/cloud.js';
import { FakeOpenStack } from '../support/fake-openstack.js';

/** A poll that returns the given statuses in turn, then repeats the last one. */
function sequence(statuses: string[]): { poll: () => Promise<{ status: string }>; calls: () => number } {
  let i = 0;
  return {
    poll: () => Promise.resolve({ status: statuses[Math.min(i++, statuses.length - 1)] ?? 'unknown' }),
    calls: () => i,
  };
}

const base = {
  status: (v: { status: string }) => v.status,
  ready: ['available'],
  failed: ['error'],
  intervalMs: 1,
  maxIntervalMs: 2,
};

describe('waitFor', () => {
  it('SUCCESS once a ready status is read, with the last value', async () => {
    const s = sequence(['creating', 'creating', 'available']);
    const seen: string[] = [];
    const result = await waitFor({ ...base, poll: s.poll, timeoutMs: 10_000, onPoll: (v) => seen.push(v.status) });
    expect(result.state).toBe(WAITER_STATE.SUCCESS);
    expect(result.value).toEqual({ status: 'available' });
    expect(result.lastStatus).toBe('available');
    expect(s.calls()).toBe(3);
    expect(seen).toEqual(['creating', 'creating', 'available']);
  });

  it('FAILURE on a failed status, without polling further', async () => {
    const s = sequence(['creating', 'error', 'available']);
    const result = await waitFor({ ...base, poll: s.poll, timeoutMs: 10_000 });
    expect(result.state).toBe(WAITER_STATE.FAILURE);
    expect(result.lastStatus).toBe('error');
    expect(s.calls()).toBe(2);
  });

  it('TIMEOUT when the time runs out, with the last status', async () => {
    const s = sequence(['creating']);
    const result = await waitFor({ ...base, poll: s.poll, timeoutMs: 20 });
    expect(result.state).toBe(WAITER_STATE.TIMEOUT);
    expect(result.lastStatus).toBe('creating');
    expect(s.calls()).toBeGreaterThanOrEqual(2);
  });

  it('ABORTED when the signal aborts while waiting between polls', async () => {
    const controller = new AbortController();
    const s = sequence(['creating']);
    const result = await waitFor({
      ...base,
      intervalMs: 60_000,
      maxIntervalMs: 60_000,
      poll: s.poll,
      timeoutMs: 600_000,
      signal: controller.signal,
      onPoll: () => setTimeout(() => controller.abort(), 1),
    });
    expect(result.state).toBe(WAITER_STATE.ABORTED);
    expect(s.calls()).toBe(1);
  });

  it('ABORTED without polling when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const s = sequence(['available']);
    const result = await waitFor({ ...base, poll: s.poll, timeoutMs: 1000, signal: controller.signal });
    expect(result.state).toBe(WAITER_STATE.ABORTED);
    expect(s.calls()).toBe(0);
  });

  it('a failing poll propagates its error', async () => {
    await expect(waitFor({ ...base, poll: () => Promise.reject(new Error('boom')), timeoutMs: 1000 })).rejects.toThrow(
      'boom',
    );
  });
});

describe('waitOrThrow', () => {
  it('returns the value on success', async () => {
    expect(
      await waitOrThrow('volume v1', { ...base, poll: sequence(['creating', 'available']).poll, timeoutMs: 1000 }),
    ).toEqual({ status: 'available' });
  });

  it('OS_RESOURCE_ERROR with the fault message on failure', async () => {
    const error = await waitOrThrow('server web-1', {
      ...base,
      poll: () => Promise.resolve({ status: 'error', fault: 'No valid host was found.' }),
      timeoutMs: 1000,
      faultMessage: (v) => v.fault,
    }).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_RESOURCE_ERROR');
    expect((error as Error).message).toBe('server web-1 went to error: No valid host was found.');
  });

  it('OS_WAIT_TIMEOUT naming the wanted and the last status', async () => {
    const error = await waitOrThrow('volume v1', { ...base, poll: sequence(['creating']).poll, timeoutMs: 10 }).catch(
      (e: unknown) => e,
    );
    expect(isBasculeError(error) && error.code).toBe('OS_WAIT_TIMEOUT');
    expect((error as Error).message).toMatch(
      /volume v1 did not become available within \d+ s \(last status creating\)/,
    );
  });

  it('AbortedError when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await waitOrThrow('volume v1', {
      ...base,
      poll: sequence(['creating']).poll,
      timeoutMs: 1000,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
  });
});

describe('waitFor over HTTP', () => {
  let fake: FakeOpenStack;
  let cloud: Cloud;
  beforeEach(async () => {
    fake = await FakeOpenStack.start();
    cloud = fakeCloud(fake);
  });
  afterEach(async () => {
    await cloud.close();
    await fake.close();
  });

  it('polls a Cinder volume until available', async () => {
    fake.on('GET', `/volume/v3/${fake.projectId}/volumes/v1`, ({ call }) => ({
      body: { volume: { id: 'v1', name: 'data', size: 1, status: call < 3 ? 'creating' : 'available' } },
    }));
    const result = await waitFor({ ...base, poll: () => volumes.get(cloud.blockStorage, 'v1'), timeoutMs: 10_000 });
    expect(result.state).toBe('SUCCESS');
    expect(fake.requestsTo(`/volume/v3/${fake.projectId}/volumes/v1`)).toHaveLength(3);
  });

  it('an abort during a poll request ends the wait as ABORTED', async () => {
    const controller = new AbortController();
    fake.on('GET', `/volume/v3/${fake.projectId}/volumes/v1`, () => {
      controller.abort();
      return { body: { volume: { id: 'v1', status: 'creating' } } };
    });
    const outcome = await waitFor({
      ...base,
      poll: () => volumes.get(cloud.blockStorage, 'v1', { signal: controller.signal }),
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(outcome.state).toBe('ABORTED');
    expect(outcome.value).toBeUndefined();
  });
});
