/**
 * A small fake OpenStack for the transfer tests: Keystone (tokens), Glance v2 (images with real bytes,
 * upload, stage/import, download), and just enough of Nova (stop/start/createImage) and Cinder
 * (os-volume_upload_image) for snapshots and volume uploads. One port-0 node:http server per cloud.
 * Bytes are real: small images are kept, large ones are hashed as they arrive and their bytes dropped,
 * and "synthetic" images are generated on the fly (never a whole image in memory).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Cloud } from '../../src/openstack/cloud.js';
import type { CloudConfig } from '../../src/openstack/config/types.js';
import { Secret } from '../../src/shared/secret.js';

const KEEP_LIMIT = 64 * 1024 * 1024;

export type Data =
  { kind: 'buffer'; bytes: Buffer } | { kind: 'synthetic'; size: number; seed: number } | { kind: 'hashed-only' };

export interface FakeImage {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  protected: boolean;
  [k: string]: unknown;
}

export interface Faults {
  /** Flip one byte in the next N downloads (the source sends wrong bytes). */
  corruptDownloads?: number;
  /** The target records a wrong checksum for the next N uploads (its result disagrees). */
  corruptStores?: number;
  /** Cut the connection after this many bytes of the next `count` downloads. */
  dropDownload?: { afterBytes: number; count: number };
  /** PUT /file answers 403 (uploads disabled by policy). */
  uploadDisabled?: boolean;
  /** Snapshots (createImage) stay queued forever, as with Nova's stock fake driver. */
  snapshotsStuck?: boolean;
}

/** Deterministic bytes: a 1 MiB pseudo-random block, each copy stamped with its index. Cheap to make at GB/s. */
export function* syntheticChunks(size: number, seed: number): Generator<Buffer> {
  const block = Buffer.alloc(1 << 20);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    block.writeUInt32LE(x, i);
  }
  for (let offset = 0, index = 0; offset < size; offset += block.length, index++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(block.length, size - offset)));
    if (chunk.length >= 8) chunk.writeBigUInt64LE(BigInt(index), 0);
    yield chunk;
  }
}

export function digestsOf(chunks: Iterable<Buffer>): { size: number; md5: string; sha512: string } {
  const md5 = createHash('md5');
  const sha = createHash('sha512');
  let size = 0;
  for (const c of chunks) {
    md5.update(c);
    sha.update(c);
    size += c.length;
  }
  return { size, md5: md5.digest('hex'), sha512: sha.digest('hex') };
}

export class FakeCloud {
  readonly name: string;
  readonly projectId = randomUUID().replace(/-/g, '');
  readonly images = new Map<string, FakeImage>();
  readonly data = new Map<string, Data>();
  readonly servers = new Map<
    string,
    { id: string; name: string; status: string; image: { id: string } | ''; task: string | null }
  >();
  readonly volumes = new Map<string, { id: string; name: string; status: string; size: number; bytes: Buffer }>();
  readonly requests: string[] = [];
  importMethods: string[] = ['glance-direct', 'web-download'];
  faults: Faults = {};
  /** Uploads larger than this are hashed and their bytes dropped (the 1 GiB test sets 0). */
  keepLimit = KEEP_LIMIT;
  /** The delay before a snapshot or volume upload becomes active. */
  asyncMs = 30;
  #server: Server;
  #url = '';

  private constructor(name: string) {
    this.name = name;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.#json(res, 500, { message: String(error) });
        else res.destroy();
      });
    });
  }

  static async start(name: string): Promise<FakeCloud> {
    const cloud = new FakeCloud(name);
    await new Promise<void>((resolve) => cloud.#server.listen(0, '127.0.0.1', resolve));
    cloud.#url = `http://127.0.0.1:${(cloud.#server.address() as AddressInfo).port}`;
    return cloud;
  }

  get url(): string {
    return this.#url;
  }

  config(): CloudConfig {
    return {
      name: this.name,
      origin: 'test',
      auth: {
        method: 'password',
        authUrl: `${this.#url}/identity/v3`,
        username: 'u',
        password: new Secret('not-a-real-password'),
        projectName: 'p',
        userDomainName: 'Default',
        projectDomainName: 'Default',
      },
      interface: 'public',
      verify: true,
      endpointOverrides: {},
      apiVersions: {},
    };
  }

  /** A client Cloud for this fake, with quick retries. */
  client(): Cloud {
    return new Cloud(this.config(), { retry: { maxRetries: 2, baseMs: 5, capMs: 20 } });
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Adds an active image with the given bytes (or synthetic bytes) and returns it. */
  addImage(props: Partial<FakeImage>, data: Buffer | { size: number; seed: number }): FakeImage {
    const image = this.#newImage(props);
    if (Buffer.isBuffer(data)) {
      this.data.set(image.id, { kind: 'buffer', bytes: data });
      this.#setDigests(image, digestsOf([data]));
    } else {
      this.data.set(image.id, { kind: 'synthetic', ...data });
      this.#setDigests(image, digestsOf(syntheticChunks(data.size, data.seed)));
    }
    image.status = 'active';
    return image;
  }

  addServer(name: string, status: string, imageId: string | ''): string {
    const id = randomUUID();
    this.servers.set(id, { id, name, status, image: imageId ? { id: imageId } : '', task: null });
    return id;
  }

  addVolume(name: string, bytes: Buffer, status = 'available'): string {
    const id = randomUUID();
    this.volumes.set(id, { id, name, status, size: Math.ceil(bytes.length / 2 ** 30) || 1, bytes });
    return id;
  }

  /** The bytes of an image as stored (buffer images only). */
  bytesOf(id: string): Buffer | undefined {
    const d = this.data.get(id);
    return d?.kind === 'buffer' ? d.bytes : undefined;
  }

  #newImage(props: Partial<FakeImage>): FakeImage {
    const id = props.id ?? randomUUID();
    const image: FakeImage = {
      name: null,
      visibility: 'private',
      disk_format: null,
      container_format: null,
      protected: false,
      ...props,
      id,
      status: 'queued',
      owner: this.projectId,
      size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
    };
    this.images.set(id, image);
    return image;
  }

  #setDigests(image: FakeImage, d: { size: number; md5: string; sha512: string }): void {
    image.size = d.size;
    image.checksum = d.md5;
    image.os_hash_algo = 'sha512';
    image.os_hash_value = d.sha512;
  }

  #json(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}),
      ...headers,
    });
    res.end(text);
  }

  async #readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** Receives a body, hashing it; keeps it only when small. */
  async #receive(req: IncomingMessage): Promise<{ data: Data; size: number; md5: string; sha512: string }> {
    const md5 = createHash('md5');
    const sha = createHash('sha512');
    let size = 0;
    let kept: Buffer[] | undefined = [];
    for await (const chunk of req) {
      const c = chunk as Buffer;
      md5.update(c);
      sha.update(c);
      size += c.length;
      if (kept) {
        kept.push(c);
        if (size > this.keepLimit) kept = undefined;
      }
    }
    return {
      data: kept ? { kind: 'buffer', bytes: Buffer.concat(kept) } : { kind: 'hashed-only' },
      size,
      md5: md5.digest('hex'),
      sha512: sha.digest('hex'),
    };
  }

  #later(fn: () => void): void {
    setTimeout(fn, this.asyncMs).unref();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${path}`);
    let m: RegExpExecArray | null;

    if (method === 'POST' && path === '/identity/v3/auth/tokens') {
      await this.#readJson(req);
      const catalog = [
        { type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${this.#url}/image` }] },
        {
          type: 'compute',
          endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${this.#url}/compute/v2.1` }],
        },
        {
          type: 'block-storage',
          endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${this.#url}/volume/v3/${this.projectId}` }],
        },
      ];
      const token = {
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        methods: ['password'],
        user: { id: 'u1', name: 'u' },
        project: { id: this.projectId, name: 'p' },
        roles: [{ name: 'member' }],
        catalog,
      };
      this.#json(res, 201, { token }, { 'x-subject-token': `tok-${this.name}` });
      return;
    }
    if (method === 'GET' && path === '/compute/') {
      this.#json(res, 200, { versions: [{ id: 'v2.1', version: '2.79', min_version: '2.1', status: 'CURRENT' }] });
      return;
    }
    if (method === 'GET' && path === '/volume/') {
      this.#json(res, 300, { versions: [{ id: 'v3.0', version: '3.60', min_version: '3.0', status: 'CURRENT' }] });
      return;
    }

    // Glance
    if (path === '/image/v2/info/import' && method === 'GET') {
      this.#json(res, 200, { 'import-methods': { value: this.importMethods } });
      return;
    }
    if (path === '/image/v2/images' && method === 'POST') {
      const body = await this.#readJson(req);
      const image = this.#newImage(body as Partial<FakeImage>);
      this.#json(res, 201, image);
      return;
    }
    if (path === '/image/v2/images' && method === 'GET') {
      const status = url.searchParams.get('status');
      const list = [...this.images.values()].filter((i) => !status || i.status === status);
      this.#json(res, 200, { images: list });
      return;
    }
    if ((m = /^\/image\/v2\/images\/([^/]+)(\/[a-z]+)?$/.exec(path))) {
      const image = this.images.get(m[1]!);
      if (!image) return this.#json(res, 404, { message: 'image not found' });
      const sub = m[2];
      if (!sub && method === 'GET') return this.#json(res, 200, image);
      if (!sub && method === 'DELETE') {
        if (image.protected) return this.#json(res, 403, { message: 'image is protected' });
        this.images.delete(image.id);
        this.data.delete(image.id);
        return this.#json(res, 204);
      }
      if (!sub && method === 'PATCH') {
        const ops = (await this.#readJson(req)) as unknown as { op: string; path: string; value?: unknown }[];
        for (const op of ops) image[op.path.slice(1)] = op.value;
        return this.#json(res, 200, image);
      }
      if (sub === '/file' && method === 'GET') return this.#download(image, res);
      if (sub === '/file' && method === 'PUT') {
        if (this.faults.uploadDisabled) {
          req.resume();
          return this.#json(res, 403, { message: 'uploads are disabled; use the import API' });
        }
        if (image.status !== 'queued') return this.#json(res, 409, { message: `image is ${image.status}` });
        image.status = 'saving';
        const got = await this.#receive(req);
        this.#store(image, got);
        image.status = 'active';
        return this.#json(res, 204);
      }
      if (sub === '/stage' && method === 'PUT') {
        image.status = 'uploading';
        const got = await this.#receive(req);
        this.#store(image, got);
        image.status = 'uploading';
        return this.#json(res, 204);
      }
      if (sub === '/import' && method === 'POST') {
        const body = await this.#readJson(req);
        if ((body.method as { name?: string } | undefined)?.name !== 'glance-direct')
          return this.#json(res, 400, { message: 'unsupported method' });
        image.status = 'importing';
        this.#later(() => {
          image.status = 'active';
        });
        return this.#json(res, 202);
      }
    }

    // Nova
    if ((m = /^\/compute\/v2\.1\/servers\/([^/]+)(\/action)?$/.exec(path))) {
      const server = this.servers.get(m[1]!);
      if (!server) return this.#json(res, 404, { itemNotFound: { code: 404, message: 'server not found' } });
      if (!m[2] && method === 'GET')
        return this.#json(res, 200, {
          server: {
            id: server.id,
            name: server.name,
            status: server.status,
            image: server.image,
            'OS-EXT-STS:task_state': server.task,
            flavor: {},
          },
        });
      if (m[2] && method === 'POST') {
        const body = await this.#readJson(req);
        if ('os-stop' in body) {
          this.#later(() => {
            server.status = 'SHUTOFF';
          });
          return this.#json(res, 202);
        }
        if ('os-start' in body) {
          this.#later(() => {
            server.status = 'ACTIVE';
          });
          return this.#json(res, 202);
        }
        const ci = body.createImage as { name: string; metadata?: Record<string, string> } | undefined;
        if (ci) {
          const base = server.image === '' ? undefined : this.data.get(server.image.id);
          // Nova copies the base image's formats and minimums into the snapshot.
          const baseProps = server.image === '' ? undefined : this.images.get(server.image.id);
          const inherited = baseProps
            ? {
                disk_format: baseProps.disk_format,
                container_format: baseProps.container_format,
                min_disk: baseProps['min_disk'],
              }
            : {};
          const snap = this.#newImage({ ...inherited, name: ci.name, ...(ci.metadata ?? {}) });
          server.task = 'image_uploading';
          if (!this.faults.snapshotsStuck) {
            this.#later(() => {
              if (base) {
                this.data.set(snap.id, base);
                const baseImage = server.image === '' ? undefined : this.images.get(server.image.id);
                if (baseImage)
                  this.#setDigests(snap, {
                    size: baseImage.size ?? 0,
                    md5: baseImage.checksum ?? '',
                    sha512: baseImage.os_hash_value ?? '',
                  });
              }
              snap.status = 'active';
              server.task = null;
            });
          }
          return this.#json(res, 202, { image_id: snap.id });
        }
        return this.#json(res, 400, { badRequest: { code: 400, message: 'unknown action' } });
      }
    }

    // Cinder
    if ((m = /^\/volume\/v3\/[^/]+\/volumes\/([^/]+)(\/action)?$/.exec(path))) {
      const volume = this.volumes.get(m[1]!);
      if (!volume) return this.#json(res, 404, { itemNotFound: { code: 404, message: 'volume not found' } });
      if (!m[2] && method === 'GET')
        return this.#json(res, 200, {
          volume: { id: volume.id, name: volume.name, status: volume.status, size: volume.size },
        });
      if (m[2] && method === 'POST') {
        const body = await this.#readJson(req);
        const up = body['os-volume_upload_image'] as { image_name: string; disk_format?: string } | undefined;
        if (!up) return this.#json(res, 400, { badRequest: { code: 400, message: 'unknown action' } });
        if (volume.status !== 'available')
          return this.#json(res, 400, { badRequest: { code: 400, message: `volume is ${volume.status}` } });
        volume.status = 'uploading';
        const image = this.#newImage({
          name: up.image_name,
          disk_format: up.disk_format ?? 'raw',
          container_format: 'bare',
        });
        image.status = 'saving';
        this.#later(() => {
          this.data.set(image.id, { kind: 'buffer', bytes: volume.bytes });
          this.#setDigests(image, digestsOf([volume.bytes]));
          image.status = 'active';
          volume.status = 'available';
        });
        return this.#json(res, 202, { 'os-volume_upload_image': { image_id: image.id, status: 'uploading' } });
      }
    }
    this.#json(res, 404, { message: `no route for ${method} ${path}` });
  }

  #store(image: FakeImage, got: { data: Data; size: number; md5: string; sha512: string }): void {
    this.data.set(image.id, got.data);
    let md5 = got.md5;
    if (this.faults.corruptStores && this.faults.corruptStores > 0) {
      this.faults.corruptStores--;
      md5 = md5.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    }
    this.#setDigests(image, { size: got.size, md5, sha512: got.sha512 });
  }

  #download(image: FakeImage, res: ServerResponse): void {
    const data = this.data.get(image.id);
    if (!data || data.kind === 'hashed-only') {
      res.writeHead(204);
      res.end();
      return;
    }
    const size = data.kind === 'buffer' ? data.bytes.length : data.size;
    let source: Iterable<Buffer> =
      data.kind === 'buffer' ? chunksOf(data.bytes, 256 * 1024) : syntheticChunks(data.size, data.seed);
    if (this.faults.corruptDownloads && this.faults.corruptDownloads > 0) {
      this.faults.corruptDownloads--;
      source = corrupt(source);
    }
    const drop = this.faults.dropDownload && this.faults.dropDownload.count > 0 ? this.faults.dropDownload : undefined;
    if (drop) drop.count--;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-md5': image.checksum ?? '',
    });
    const stream = Readable.from(drop ? cut(source, drop.afterBytes) : source, { objectMode: false });
    stream.on('end', () => {
      if (drop) res.socket?.destroy();
    });
    stream.pipe(res);
  }
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

function* corrupt(source: Iterable<Buffer>): Generator<Buffer> {
  let first = true;
  for (const chunk of source) {
    if (first && chunk.length > 0) {
      const copy = Buffer.from(chunk);
      copy[copy.length >> 1] = (copy[copy.length >> 1]! ^ 0xff) & 0xff;
      yield copy;
      first = false;
    } else yield chunk;
  }
}

function* cut(source: Iterable<Buffer>, afterBytes: number): Generator<Buffer> {
  let sent = 0;
  for (const chunk of source) {
    if (sent + chunk.length >= afterBytes) {
      yield chunk.subarray(0, afterBytes - sent);
      return;
    }
    sent += chunk.length;
    yield chunk;
  }
}
