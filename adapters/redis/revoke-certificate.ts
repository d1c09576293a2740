import { StoreCorruptError } from '../../src/errors.js';
import { decodeEntity } from './codec.js';
import { revokeIndex, type Store } from './store.js';

/** Options of `revokeByCertificate`. */
export interface RevokeByCertificateOptions {
  /**
   * Also revoke the whole grant of every token bound to the certificate: the grant's other tokens and
   * the Grant itself. Needed for confidential clients, whose refresh tokens are bound to the client
   * rather than to the certificate (RFC 8705 section 4) and would otherwise stay usable by whoever
   * holds the leaked key.
   *
   * @default false
   */
  grants?: boolean;
}

async function grantIdOf(store: Store, member: string): Promise<string | undefined> {
  try {
    const payload = decodeEntity(await store.client.hgetall(store.keys.memberKey(member)));
    return typeof payload?.grantId === 'string' ? payload.grantId : undefined;
  } catch (error) {
    // A token that cannot be read names no grant; it is still deleted through the certificate index.
    if (error instanceof StoreCorruptError || (error instanceof Error && error.message.startsWith('WRONGTYPE'))) return undefined;
    throw error;
  }
}

/** Deletes the tokens bound to `thumbprint` (and, with `grants`, their grants); returns how many tokens. */
export async function revokeByCertificate(store: Store, thumbprint: string, options: RevokeByCertificateOptions): Promise<number> {
  const index = store.keys.certificate(thumbprint);
  let removed = 0;
  if (options.grants === true) {
    const members = await store.client.zrange(index, 0, -1);
    const grantIds = new Set((await Promise.all(members.map((member) => grantIdOf(store, member)))).filter((id) => id !== undefined));
    for (const grantId of grantIds) {
      removed += await revokeIndex(store, store.keys.grant(grantId));
      await store.client.del(store.keys.entity('Grant', grantId));
    }
  }
  return removed + await revokeIndex(store, index);
}
