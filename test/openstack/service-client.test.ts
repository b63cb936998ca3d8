import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import {
  isConflict,
  isForbidden,
  isHttpError,
  isNotFound,
  isOverQuota,
  OpenStackHttpError,
  OpenStackNetworkError,
} from '../../src/openstack/errors.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import type { SessionOptions } from '../../src/openstack/session.js';
import { AbortedError, isBasculeError } from '../../src/shared/errors.js';
import { fakeCloud, memoryLogger } from '../support/cloud.js';
import type { Reply } from '../support/fake-openstack.js';
import { FakeOpenStack, gate as newGate, until } from '../support/fake-openstack.js';
import { loadResponse } from '../support/fixtures.js';

let fake: FakeOpenStack;
let cloud: Cloud | undefined;
const gates: ReturnType<typeof gate>[] = [];
beforeEach(async () => {
  fake = await FakeOpenStack.start();
});
afterEach(async () => {
  // Let held handlers finish even when a test failed, so that the agent can close.
  for (const g of gates.splice(0)) g.open();
  await cloud?.close();
  cloud = undefined;
  await fake.close();
});

function gate(): ReturnType<typeof newGate> {
  const g = newGate();
  gates.push(g);
  return g;
}

function open(options: SessionOptions = {}): Cloud {
  cloud = fakeCloud(fake, options);
  return cloud;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/** Fails `times` times with `reply`, then answers `then`. */
function flaky(times: number, reply: Reply | 'reset', then: Reply): Parameters<FakeOpenStack['on']>[2] {
  return ({ call, raw }) => {
    if (call <= times) {
      if (reply === 'reset') {
        raw.socket.destroy();
        return undefined;
      }
      return reply;
    }
    return then;
  };
}

const NETS = '/network/v2.0/networks';
const OK_LIST: Reply = { body: { networks: [{ id: 'n1' }] } };
const CREATED: Reply = { status: 201, body: { network: { id: 'new' } } };

describe('retries', () => {
  for (const status of [500, 502, 503, 504]) {
    it(`GET is retried on ${status} until it succeeds`, async () => {
      fake.on('GET', NETS, flaky(2, { status, body: 'transient' }, OK_LIST));
      const c = open();
      expect(await collect(networks.list(c.network))).toEqual([{ id: 'n1' }]);
      expect(fake.requestsTo(NETS)).toHaveLength(3);
    });
  }

  it('GET gives up after maxRetries and reports the last answer', async () => {
    fake.on('GET', NETS, () => ({ status: 503, body: { message: 'The server is currently unavailable.' } }));
    const c = open({ retry: { baseMs: 1, capMs: 5, maxRetries: 3 } });
    const error = await failure(collect(networks.list(c.network)));
    expect(error).toBeInstanceOf(OpenStackHttpError);
    expect((error as OpenStackHttpError).code).toBe('OS_UNAVAILABLE');
    expect((error as OpenStackHttpError).status).toBe(503);
    expect(fake.requestsTo(NETS)).toHaveLength(4);
  });

  it('GET is retried after a connection reset', async () => {
    fake.on('GET', NETS, flaky(2, 'reset', OK_LIST));
    const c = open();
    expect(await collect(networks.list(c.network))).toEqual([{ id: 'n1' }]);
    expect(fake.requestsTo(NETS)).toHaveLength(3);
  });

  it('a GET that keeps being reset ends with OS_NETWORK after the limit', async () => {
    fake.on('GET', NETS, flaky(100, 'reset', OK_LIST));
    const c = open({ retry: { baseMs: 1, capMs: 5, maxRetries: 2 } });
    const error = await failure(collect(networks.list(c.network)));
    expect(error).toBeInstanceOf(OpenStackNetworkError);
    expect((error as OpenStackNetworkError).code).toBe('OS_NETWORK');
    expect((error as OpenStackNetworkError).causeCode).toBeDefined();
    expect(fake.requestsTo(NETS)).toHaveLength(3);
  });

  it('POST is not retried on 500', async () => {
    fake.on('POST', NETS, flaky(1, { status: 500, body: { message: 'boom' } }, CREATED));
    const c = open();
    const error = await failure(networks.create(c.network, { name: 'x' }));
    expect((error as OpenStackHttpError).code).toBe('OS_SERVER_ERROR');
    expect(fake.requestsTo(NETS, 'POST')).toHaveLength(1);
  });

  it('POST is not retried on 503 without Retry-After', async () => {
    fake.on('POST', NETS, flaky(1, { status: 503, body: 'busy' }, CREATED));
    const c = open();
    await failure(networks.create(c.network, { name: 'x' }));
    expect(fake.requestsTo(NETS, 'POST')).toHaveLength(1);
  });

  it('POST is not retried after a connection reset', async () => {
    fake.on('POST', NETS, flaky(1, 'reset', CREATED));
    const c = open();
    const error = await failure(networks.create(c.network, { name: 'x' }));
    expect(error).toBeInstanceOf(OpenStackNetworkError);
    expect(fake.requestsTo(NETS, 'POST')).toHaveLength(1);
  });

  it('POST is retried on 429', async () => {
    fake.on('POST', NETS, flaky(1, { status: 429, body: { message: 'Rate limit exceeded' } }, CREATED));
    const c = open();
    expect(await networks.create(c.network, { name: 'x' })).toEqual({ id: 'new' });
    expect(fake.requestsTo(NETS, 'POST')).toHaveLength(2);
  });

  it('POST is retried on 503 with Retry-After, waiting what the server asked', async () => {
    const { logger, lines } = memoryLogger();
    fake.on('POST', NETS, flaky(1, { status: 503, headers: { 'retry-after': '0.01' }, body: 'maintenance' }, CREATED));
    const c = open({ logger });
    expect(await networks.create(c.network, { name: 'x' })).toEqual({ id: 'new' });
    expect(fake.requestsTo(NETS, 'POST')).toHaveLength(2);
    const retry = lines.find((l) => l.startsWith('debug: retry'));
    expect(retry).toContain('status=503');
    expect(retry).toContain('wait_ms=10');
  });

  it('a stream body is never retried, not even on 503 with Retry-After', async () => {
    fake.on(
      'PUT',
      '/image/v2/images/img-1/file',
      flaky(1, { status: 503, headers: { 'retry-after': '0' }, body: 'busy' }, { status: 204 }),
    );
    const c = open();
    const error = await failure(images.upload(c.image, 'img-1', Readable.from([Buffer.from('qcow2 bytes')])));
    expect((error as OpenStackHttpError).status).toBe(503);
    const sent = fake.requestsTo('/image/v2/images/img-1/file', 'PUT');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toBe('qcow2 bytes');
  });

  it('a stream body is not re-sent after a 401 either: the caller restarts the transfer', async () => {
    fake.reply('PUT', '/image/v2/images/img-1/file', { status: 204 });
    const c = open();
    await c.token();
    fake.revokeTokens();
    const error = await failure(images.upload(c.image, 'img-1', Readable.from([Buffer.from('bytes')])));
    expect((error as OpenStackHttpError).code).toBe('OS_UNAUTHORIZED');
    expect(fake.requestsTo('/image/v2/images/img-1/file', 'PUT')).toHaveLength(1);
  });

  it('a byte-array body is replayable: PUT retried on 503', async () => {
    fake.on('PUT', '/image/v2/images/img-1/file', flaky(1, { status: 503, body: 'busy' }, { status: 204 }));
    const c = open();
    await images.upload(c.image, 'img-1', new TextEncoder().encode('raw bytes'), 9);
    const sent = fake.requestsTo('/image/v2/images/img-1/file', 'PUT');
    expect(sent.map((r) => r.body)).toEqual(['raw bytes', 'raw bytes']);
  });

  it('a request that gets no headers in time times out and a GET is retried', async () => {
    const held = gate();
    fake.on('GET', NETS, async () => {
      await held.promise;
      return OK_LIST;
    });
    const c = open({ timeoutMs: 50, retry: { baseMs: 1, capMs: 5, maxRetries: 1 } });
    const error = await failure(collect(networks.list(c.network)));
    held.open();
    expect(error).toBeInstanceOf(OpenStackNetworkError);
    expect((error as OpenStackNetworkError).causeCode).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(fake.requestsTo(NETS)).toHaveLength(2);
  });
});

describe("errors: each service's error body", () => {
  const cases: {
    fixture: string;
    method: string;
    path: (pid: string) => string;
    code: string;
    message: RegExp;
    fault?: string;
    requestId: string;
  }[] = [
    {
      fixture: 'compute/error-404-itemNotFound',
      method: 'GET',
      path: () => '/compute/v2.1/servers/00000000-0000-0000-0000-000000000000',
      code: 'OS_NOT_FOUND',
      message: /^Instance 00000000-0000-0000-0000-000000000000 could not be found\.$/,
      fault: 'itemNotFound',
      requestId: 'req-9b028f2d-ec32-432e-80b8-56e477ec366e',
    },
    {
      fixture: 'compute/error-400-badRequest',
      method: 'POST',
      path: () => '/compute/v2.1/servers',
      code: 'OS_BAD_REQUEST',
      message: /'flavorRef' is a required property/,
      fault: 'badRequest',
      requestId: 'req-3701e80f-333a-4987-8580-fbacad2f1186',
    },
    {
      fixture: 'compute/error-403-quota-exceeded',
      method: 'POST',
      path: () => '/compute/v2.1/servers',
      code: 'OS_OVER_QUOTA',
      message: /^Quota exceeded for cores, instances, ram/,
      fault: 'forbidden',
      requestId: 'req-92885231-f764-4900-944a-b565378b065a',
    },
    {
      fixture: 'compute/error-406-version',
      method: 'GET',
      path: () => '/compute/v2.1/servers/detail',
      code: 'OS_NOT_ACCEPTABLE',
      message: /Version 2\.99 is not supported/,
      fault: 'computeFault',
      requestId: 'req-beaf1ca0-7a51-4a6b-8a75-fc7f0f1da12e',
    },
    {
      fixture: 'network/error-404-NetworkNotFound',
      method: 'GET',
      path: () => '/network/v2.0/networks/00000000-0000-0000-0000-000000000000',
      code: 'OS_NOT_FOUND',
      message: /^Network 00000000-0000-0000-0000-000000000000 could not be found\.$/,
      fault: 'NetworkNotFound',
      requestId: 'req-eb920a5f-4fc3-45b4-a4db-fb04cc84815e',
    },
    {
      fixture: 'network/error-409-OverQuota',
      method: 'POST',
      path: () => '/network/v2.0/networks',
      code: 'OS_OVER_QUOTA',
      message: /^Quota exceeded for resources: \['network'\]\.$/,
      fault: 'OverQuota',
      requestId: 'req-0f0e6a31-8a43-4c51-9f5b-2b7d1f1c2e10',
    },
    {
      fixture: 'network/error-409-IpAddressAlreadyAllocated',
      method: 'POST',
      path: () => '/network/v2.0/ports',
      code: 'OS_CONFLICT',
      message: /^IP address 10\.0\.0\.5 already allocated/,
      fault: 'IpAddressAlreadyAllocated',
      requestId: 'req-6d4a7c38-0b51-4f0c-8d7e-3a9b1c2d4e5f',
    },
    {
      fixture: 'block-storage/error-404-itemNotFound',
      method: 'GET',
      path: (pid) => `/volume/v3/${pid}/volumes/00000000-0000-0000-0000-000000000000`,
      code: 'OS_NOT_FOUND',
      message: /^Volume 00000000-0000-0000-0000-000000000000 could not be found\.$/,
      fault: 'itemNotFound',
      requestId: 'req-a2264ede-eeab-4449-b83b-533a268eebac',
    },
    {
      fixture: 'block-storage/error-413-overLimit',
      method: 'POST',
      path: (pid) => `/volume/v3/${pid}/volumes`,
      code: 'OS_OVER_QUOTA',
      message: /^VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota/,
      fault: 'overLimit',
      requestId: 'req-547d3ba6-1b80-4905-87e5-73c5e7d1f0ad',
    },
    {
      fixture: 'image/error-404',
      method: 'GET',
      path: () => '/image/v2/images/00000000-0000-0000-0000-000000000000',
      code: 'OS_NOT_FOUND',
      message: /No image found with ID 00000000-0000-0000-0000-000000000000$/,
      requestId: 'req-eb3c183f-f8fb-4ed1-bf8a-518483860345',
    },
  ];

  for (const c of cases) {
    it(`${c.fixture} -> ${c.code}`, async () => {
      const fixture = loadResponse(c.fixture);
      const path = c.path(fake.projectId);
      fake.reply(c.method, path, { status: fixture.status, headers: fixture.headers, body: fixture.body });
      const cl = open();
      const client = cl.client(
        fixture.status && path.startsWith('/compute')
          ? 'compute'
          : path.startsWith('/network')
            ? 'network'
            : path.startsWith('/volume')
              ? 'block-storage'
              : 'image',
      );
      const relative = path.replace(/^\/(compute\/v2\.1|network\/v2\.0|volume\/v3\/[0-9a-f]+|image\/v2)/, '');
      const error = await failure(client.request(c.method, relative, c.method === 'POST' ? { json: {} } : {}));
      expect(error).toBeInstanceOf(OpenStackHttpError);
      const e = error as OpenStackHttpError;
      expect(e.code).toBe(c.code);
      expect(e.status).toBe(fixture.status);
      expect(e.serviceMessage).toMatch(c.message);
      expect(e.fault).toBe(c.fault);
      expect(e.requestId).toBe(c.requestId);
      expect(e.method).toBe(c.method);
      expect(e.message).toBe(
        `${client.service}: ${c.method} ${fake.base}${path} -> ${fixture.status}: ${e.serviceMessage} [${c.requestId}]`,
      );
      expect(e.exitCode).toBe(1);
      expect(fake.requestsTo(path, c.method)).toHaveLength(1);
    });
  }

  it("Cinder's Retry-After on 413 is kept on the error, and the call is not retried", async () => {
    const fixture = loadResponse('block-storage/error-413-overLimit');
    fake.reply('POST', `/volume/v3/${fake.projectId}/volumes`, {
      status: fixture.status,
      headers: fixture.headers,
      body: fixture.body,
    });
    const error = (await failure(
      open().blockStorage.post('/volumes', { volume: { size: 100000 } }),
    )) as OpenStackHttpError;
    expect(error.retryAfterMs).toBe(0);
    expect(isOverQuota(error)).toBe(true);
  });

  it('predicates decide on codes, not text', async () => {
    fake.reply('GET', '/network/v2.0/networks/gone', 'network/error-404-NetworkNotFound');
    fake.reply('DELETE', '/compute/v2.1/servers/busy', {
      status: 409,
      body: {
        conflictingRequest: {
          code: 409,
          message: "Cannot 'delete' instance busy while it is in task_state image_uploading",
        },
      },
    });
    fake.reply('GET', '/compute/v2.1/os-hypervisors', {
      status: 403,
      body: {
        forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed." },
      },
    });
    const c = open();
    const notFound = await failure(networks.get(c.network, 'gone'));
    const conflict = await failure(c.compute.delete('/servers/busy'));
    const forbidden = await failure(c.compute.get('/os-hypervisors'));
    expect([isNotFound(notFound), isConflict(notFound), isHttpError(notFound)]).toEqual([true, false, true]);
    expect([isConflict(conflict), (conflict as OpenStackHttpError).fault]).toEqual([true, 'conflictingRequest']);
    expect([isForbidden(forbidden), isOverQuota(forbidden)]).toEqual([true, false]);
    // DELETE is idempotent but a 409 is not transient: one request.
    expect(fake.requestsTo('/compute/v2.1/servers/busy', 'DELETE')).toHaveLength(1);
  });

  it("a Keystone-style 401 body that survives re-authentication: OS_UNAUTHORIZED with Keystone's message", async () => {
    const fixture = loadResponse('identity/error-401');
    fake.reply('GET', '/identity/v3/projects/p1', { status: 401, headers: fixture.headers, body: fixture.body });
    const error = (await failure(open().identity.get('/projects/p1'))) as OpenStackHttpError;
    expect(error.code).toBe('OS_UNAUTHORIZED');
    expect(error.serviceMessage).toBe('The request you have made requires authentication.');
    expect(error.fault).toBe('Unauthorized');
    expect(fake.authCount).toBe(2);
  });

  it('a 2xx answer that is not JSON where JSON was announced is OS_BAD_RESPONSE', async () => {
    fake.reply('GET', NETS, { headers: { 'content-type': 'application/json' }, body: '{"networks": [' });
    const error = await failure(collect(networks.list(open().network)));
    expect(isBasculeError(error) && error.code).toBe('OS_BAD_RESPONSE');
  });
});

describe('concurrency and cancellation', () => {
  it('the per-service queue bounds requests in flight', async () => {
    const held = gate();
    fake.on('GET', NETS, async () => {
      await held.promise;
      return OK_LIST;
    });
    const c = open({ concurrency: { perService: 3 } });
    const calls = Array.from({ length: 12 }, () => collect(networks.list(c.network)));
    await until(() => (fake.inFlightBy.get('network') ?? 0) === 3, 'three requests in flight');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.requestsTo(NETS)).toHaveLength(3);
    held.open();
    await Promise.all(calls);
    expect(fake.requestsTo(NETS)).toHaveLength(12);
    expect(fake.maxInFlightBy.get('network')).toBe(3);
  });

  it('services have their own queues', async () => {
    const held = gate();
    fake.on('GET', NETS, async () => {
      await held.promise;
      return OK_LIST;
    });
    fake.on('GET', '/image/v2/images', async () => {
      await held.promise;
      return { body: { images: [] } };
    });
    const c = open({ concurrency: { perService: 2 } });
    const calls = [
      ...Array.from({ length: 4 }, () => collect(networks.list(c.network))),
      ...Array.from({ length: 4 }, () => collect(images.list(c.image))),
    ];
    await until(() => fake.inFlight === 4, 'two requests per service');
    held.open();
    await Promise.all(calls);
    expect(fake.maxInFlightBy.get('network')).toBe(2);
    expect(fake.maxInFlightBy.get('image')).toBe(2);
  });

  it('the write queue bounds mutating calls across services, reads pass beside it', async () => {
    const held = gate();
    let writesInFlight = 0;
    let maxWrites = 0;
    const write = async (): Promise<Reply> => {
      writesInFlight += 1;
      maxWrites = Math.max(maxWrites, writesInFlight);
      await held.promise;
      writesInFlight -= 1;
      return CREATED;
    };
    fake.on('POST', NETS, write);
    fake.on('POST', '/network/v2.0/ports', write);
    fake.on('POST', '/compute/v2.1/os-keypairs', write);
    fake.reply('GET', '/image/v2/images', { body: { images: [] } });
    const c = open({ concurrency: { perService: 10, writes: 2 } });
    const writes = [
      ...Array.from({ length: 3 }, () => networks.create(c.network, { name: 'n' })),
      ...Array.from({ length: 3 }, () => c.network.post('/ports', { port: {} })),
      ...Array.from({ length: 3 }, () => c.compute.post('/os-keypairs', { keypair: {} })),
    ];
    await until(() => writesInFlight === 2, 'two writes in flight');
    // A read is not held behind the writes.
    expect(await collect(images.list(c.image))).toEqual([]);
    held.open();
    await Promise.all(writes);
    expect(maxWrites).toBe(2);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path !== '/identity/v3/auth/tokens')).toHaveLength(9);
  });

  it('a call backing off before a retry holds no write slot: other writes on the cloud go on meanwhile', async () => {
    // The only write slot of the cloud: the first POST is told to come back in a minute.
    fake.on('POST', NETS, flaky(1, { status: 503, headers: { 'retry-after': '60' }, body: 'later' }, CREATED));
    fake.reply('POST', '/network/v2.0/ports', { status: 201, body: { port: { id: 'p' } } });
    fake.reply('POST', '/compute/v2.1/os-keypairs', { status: 201, body: { keypair: { name: 'k' } } });
    const c = open({ concurrency: { perService: 10, writes: 1 } });
    const controller = new AbortController();
    const waiting = networks.create(c.network, { name: 'n' }, { signal: controller.signal }).then(
      () => 'done',
      (error: unknown) => error,
    );
    await until(() => fake.requestsTo(NETS).length === 1, 'the first answer (503, Retry-After: 60)');
    // While it waits its minute, writes on the same cloud (same service or another) are sent and answered.
    let settled = false;
    void waiting.then(() => (settled = true));
    await c.network.post('/ports', { port: {} });
    await c.compute.post('/os-keypairs', { keypair: {} });
    expect(settled).toBe(false);
    controller.abort();
    expect(await waiting).toBeInstanceOf(AbortedError);
    expect(fake.requestsTo(NETS)).toHaveLength(1);
  });

  it('an AbortSignal stops a call waiting in the queue (AbortedError), and it never reaches the server', async () => {
    const held = gate();
    fake.on('GET', NETS, async () => {
      await held.promise;
      return OK_LIST;
    });
    const c = open({ concurrency: { perService: 1 } });
    const first = collect(networks.list(c.network));
    await until(() => fake.requestsTo(NETS).length === 1, 'the first call in flight');
    const controller = new AbortController();
    const second = collect(networks.list(c.network, undefined, { signal: controller.signal }));
    controller.abort();
    const error = await failure(second);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).code).toBe('ABORTED');
    expect((error as AbortedError).exitCode).toBe(130);
    held.open();
    expect(await first).toEqual([{ id: 'n1' }]);
    expect(fake.requestsTo(NETS)).toHaveLength(1);
  });

  it('an AbortSignal stops a call in flight (AbortedError)', async () => {
    const held = gate();
    fake.on('GET', NETS, async () => {
      await held.promise;
      return OK_LIST;
    });
    const c = open();
    const controller = new AbortController();
    const call = collect(networks.list(c.network, undefined, { signal: controller.signal }));
    await until(() => fake.requestsTo(NETS).length === 1, 'the call in flight');
    controller.abort();
    expect(await failure(call)).toBeInstanceOf(AbortedError);
    held.open();
  });

  it('an AbortSignal stops a call sleeping before a retry', async () => {
    fake.reply('GET', NETS, { status: 503, headers: { 'retry-after': '60' }, body: 'later' });
    const c = open();
    const controller = new AbortController();
    const call = collect(networks.list(c.network, undefined, { signal: controller.signal }));
    await until(() => fake.requestsTo(NETS).length === 1, 'the first answer');
    controller.abort();
    expect(await failure(call)).toBeInstanceOf(AbortedError);
    expect(fake.requestsTo(NETS)).toHaveLength(1);
  });

  it('a connection cut in the middle of the body is an OS_NETWORK error', async () => {
    fake.on('GET', NETS, ({ res }) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"networks": [{"id": "n1"}, ');
      setTimeout(() => res.destroy(), 5);
      return undefined;
    });
    const error = await failure(open().network.get('/networks'));
    expect(error).toBeInstanceOf(OpenStackNetworkError);
    expect((error as OpenStackNetworkError).message).toMatch(/^network: GET .*\/network\/v2\.0\/networks: /);
  });

  it('an abort while the body is read is an AbortedError', async () => {
    const controller = new AbortController();
    fake.on('GET', NETS, ({ res }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"networks": [');
      setTimeout(() => controller.abort(), 5);
      return undefined;
    });
    const error = await failure(open().network.get('/networks', { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortedError);
  });

  it('an already aborted signal sends nothing', async () => {
    const c = open();
    const controller = new AbortController();
    controller.abort();
    expect(await failure(c.network.get('/networks', { signal: controller.signal }))).toBeInstanceOf(AbortedError);
    expect(fake.requests).toHaveLength(0);
  });
});
