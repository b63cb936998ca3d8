/** The campaign store named by `--store` or BASCULE_STORE (undefined: the campaign's files, on this machine). */
import { parseStoreUrl, type StoreUrl } from '../../campaign/postgres/connection.js';

export function storeUrlOf(flag: string | undefined): StoreUrl | undefined {
  if (flag !== undefined && flag !== '') return parseStoreUrl(flag, '--store');
  const env = process.env.BASCULE_STORE;
  if (env !== undefined && env !== '') return parseStoreUrl(env, 'BASCULE_STORE');
  return undefined;
}
