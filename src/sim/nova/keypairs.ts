import { createHash, generateKeyPairSync } from 'node:crypto';
import { pyRepr } from '../core/pyrepr.js';
import { isoMicros, str, type Obj } from '../core/json.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  checkComputeQuota,
  computeBase,
  mvAtLeast,
  novaBadRequest,
  novaBody,
  novaConflict,
  novaNotFound,
  policyError,
  writer,
} from './common.js';

/** OpenSSH's legacy MD5 fingerprint of a public key line, as Nova computes it. */
export function fingerprint(publicKey: string): string {
  const b64 = publicKey.trim().split(/\s+/)[1] ?? '';
  const hex = createHash('md5').update(Buffer.from(b64, 'base64')).digest('hex');
  return hex.match(/../g)!.join(':');
}

let keypairCounter = 0;

export function createKeypairRecord(
  state: RegionState,
  userId: string,
  name: string,
  publicKey: string,
  type = 'ssh',
): Obj {
  const key = `${userId}/${name}`;
  return state.keypairs.put(key, {
    name,
    public_key: publicKey,
    fingerprint: fingerprint(publicKey),
    type,
    user_id: userId,
    created_at: isoMicros(),
    updated_at: null,
    deleted: false,
    deleted_at: null,
    id: ++keypairCounter,
  });
}

export function findKeypair(state: RegionState, userId: string, name: string): Obj | undefined {
  return state.keypairs.get(`${userId}/${name}`);
}

function renderKeypair(req: SimRequest, k: Obj, isShow: boolean): Obj {
  const out: Obj = { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint };
  if (mvAtLeast(req, '2.2')) out.type = k.type;
  if (isShow)
    Object.assign(out, {
      user_id: k.user_id,
      created_at: k.created_at,
      updated_at: k.updated_at,
      deleted: k.deleted,
      deleted_at: k.deleted_at,
      id: k.id,
    });
  return out;
}

export function keypairRoutes(r: Router, state: RegionState): void {
  const owner = (req: SimRequest): string => {
    const a = authOf(req);
    const asked = req.query.get('user_id');
    if (asked !== null && asked !== a.userId) {
      if (!mvAtLeast(req, '2.10')) return a.userId;
      if (!a.isAdmin) throw policyError('os_compute_api:os-keypairs:index');
      return asked;
    }
    return a.userId;
  };
  r.get('/v2.1/os-keypairs', (req) => {
    const uid = owner(req);
    const items: Obj[] = state.keypairs.filter((k) => k.user_id === uid).map((k) => ({ ...k, id: k.name }));
    let page: { items: Obj[]; isFull: boolean } = { items, isFull: false };
    if (mvAtLeast(req, '2.35')) {
      const limit = parseLimit(req.query.get('limit'));
      const p = pageAfter(items, req.query.get('marker') ?? undefined, Number.isNaN(limit) ? undefined : limit, 1000);
      if (!p) throw novaBadRequest(`marker [${req.query.get('marker') ?? ''}] not found`);
      page = p;
    }
    const body: Obj = {
      keypairs: page.items.map((k) => ({
        keypair: renderKeypair(req, state.keypairs.get(`${uid}/${String(k.name)}`)!, false),
      })),
    };
    if (page.isFull && page.items.length) {
      const q = new URLSearchParams(req.query);
      q.set('marker', String(page.items.at(-1)!.name));
      body.keypairs_links = [{ rel: 'next', href: `${computeBase(req, state)}/os-keypairs?${q.toString()}` }];
    }
    return { status: 200, body };
  });
  r.get('/v2.1/os-keypairs/{name}', (req) => {
    const uid = owner(req);
    const k = findKeypair(state, uid, req.params.name!);
    if (!k) throw novaNotFound(`Keypair ${req.params.name!} not found for user ${uid}`);
    return { status: 200, body: { keypair: renderKeypair(req, k, true) } };
  });
  r.post('/v2.1/os-keypairs', (req) => {
    const a = writer(req, state, 'os_compute_api:os-keypairs:create');
    const body = novaBody(req, 'keypair');
    const name = str(body, 'name');
    if (!name)
      throw novaBadRequest(
        `Invalid input for field/attribute keypair. Value: ${pyRepr(body)}. 'name' is a required property`,
      );
    if (mvAtLeast(req, '2.92') ? !/^[a-zA-Z0-9 _.@-]{1,255}$/.test(name) : name.length > 255) {
      throw novaBadRequest(`Keypair data is invalid: Keypair name contains unsafe characters`);
    }
    let uid = a.userId;
    const asked = str(body, 'user_id');
    if (asked && mvAtLeast(req, '2.10')) {
      if (!a.isAdmin && asked !== a.userId) throw policyError('os_compute_api:os-keypairs:create');
      uid = asked;
    }
    if (findKeypair(state, uid, name)) throw novaConflict(`Key pair '${name}' already exists.`);
    checkComputeQuota(state, a.projectId ?? '', 'key_pairs', 1, state.keypairs.filter((k) => k.user_id === uid).length);
    const type = mvAtLeast(req, '2.2') ? (str(body, 'type') ?? 'ssh') : 'ssh';
    let publicKey = str(body, 'public_key');
    let privateKey: string | undefined;
    if (publicKey === undefined) {
      if (mvAtLeast(req, '2.92'))
        throw novaBadRequest(
          `Invalid input for field/attribute keypair. Value: ${pyRepr(body)}. 'public_key' is a required property`,
        );
      const pair = generateKeyPairSync('ed25519');
      const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      const blob = Buffer.concat([lenPrefixed(Buffer.from('ssh-ed25519')), lenPrefixed(raw)]);
      publicKey = `ssh-ed25519 ${blob.toString('base64')} Generated-by-Nova`;
      privateKey = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    } else if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) [A-Za-z0-9+/=]+/.test(publicKey.trim()) && type === 'ssh') {
      throw novaBadRequest('Keypair data is invalid: failed to generate fingerprint');
    }
    const k = createKeypairRecord(state, uid, name, publicKey, type);
    const out = renderKeypair(req, k, false);
    out.user_id = uid;
    if (privateKey) out.private_key = privateKey;
    return { status: mvAtLeast(req, '2.2') ? 201 : 200, body: { keypair: out } };
  });
  r.delete('/v2.1/os-keypairs/{name}', (req) => {
    writer(req, state, 'os_compute_api:os-keypairs:delete');
    const uid = owner(req);
    if (!state.keypairs.delete(`${uid}/${req.params.name!}`))
      throw novaNotFound(`Keypair ${req.params.name!} not found for user ${uid}`);
    return { status: mvAtLeast(req, '2.2') ? 204 : 202 };
  });
}

function lenPrefixed(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}
