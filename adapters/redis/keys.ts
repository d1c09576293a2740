/**
 * Key names. Every key carries its lookup value as a Redis Cluster hash tag (`{...}`), so each key
 * maps to one slot and every single-key atomic step (consume, index update) stays on one node. The
 * entity keys of one grant live in different slots (they are found by their own id); atomic steps
 * across them are only promised on a single server, and on a Cluster they are ordered instead.
 */
export interface KeySpace {
  /** The hash that holds one entity of `model`. */
  entity(model: string, id: string): string;
  /**
   * How an index refers to an entity: its key without the prefix, so that a process whose client
   * carries part of the prefix (ioredis `keyPrefix`) and one that passes it all as the adapter's
   * `keyPrefix` (the command line) resolve the same members to the same keys.
   */
  member(model: string, id: string): string;
  /** The entity key an index member refers to. */
  memberKey(member: string): string;
  /** Sorted set of the entity keys of one grant, scored by expiry (ms since epoch). */
  grant(grantId: string): string;
  /** Sorted set of the token keys bound to one certificate `x5t#S256`, scored by expiry. */
  certificate(thumbprint: string): string;
  /** Session `uid` to session id. */
  sessionUid(uid: string): string;
  /** Device flow `userCode` to device code id. */
  userCode(userCode: string): string;
  /** The request redeeming one entity of `model`; in the entity's Cluster slot. */
  claim(model: string, id: string): string;
  /** `SCAN` pattern matching every entity key of `model` (client `keyPrefix` not included). */
  entityPattern(model: string): string;
  /** The id of an entity key of `model`, the inverse of {@link KeySpace.entity}. */
  entityId(model: string, key: string): string;
}

/** Escapes the `SCAN MATCH` glob characters of a literal key part. */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

export function createKeySpace(prefix: string): KeySpace {
  return {
    entity: (model, id) => `${prefix}${model}:{${id}}`,
    member: (model, id) => `${model}:{${id}}`,
    memberKey: (member) => `${prefix}${member}`,
    grant: (grantId) => `${prefix}grant:{${grantId}}`,
    certificate: (thumbprint) => `${prefix}x5t:{${thumbprint}}`,
    sessionUid: (uid) => `${prefix}uid:{${uid}}`,
    userCode: (userCode) => `${prefix}userCode:{${userCode}}`,
    claim: (model, id) => `${prefix}claim:${model}:{${id}}`,
    entityPattern: (model) => `${globEscape(`${prefix}${model}:{`)}*}`,
    entityId: (model, key) => key.slice(`${prefix}${model}:{`.length, -1),
  };
}
