import { strict as assert } from 'node:assert';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/**
 * One adapter contract, run against the host's memory adapter (which proves the suite encodes the
 * host's semantics) and against every store of ours. Expiry is observed through `elapse`, a fake
 * clock where the store reads the process clock and a real wait where Redis keeps time itself.
 */
export interface ContractTarget {
  /**
   * A fresh, empty store for one test, keeping entities `clockTolerance` seconds past their
   * `expiresIn` (the provider's `clockTolerance`, which the host hands its memory adapter).
   */
  reset(clockTolerance: number): Promise<AdapterFactory>;
  /** Lets `ms` pass for the store. */
  elapse(ms: number): Promise<void>;
  /** The store makes `consume` an atomic check-and-set (ours); the host's memory adapter does not. */
  atomicConsume: boolean;
}

/**
 * Every model oidc-provider 9.13 stores through its adapter, read from the host's own model index
 * (minus the base classes and IdToken, which is never stored).
 */
export async function hostModels(): Promise<string[]> {
  const specifier: string = 'oidc-provider/lib/models/index.js';
  const models = await import(specifier) as Record<string, unknown>;
  return Object.keys(models)
    .map((name) => name.replace(/^get/, ''))
    .filter((name) => !['BaseModel', 'BaseToken', 'IdToken'].includes(name))
    .sort();
}

/** The models the issue names; the suite checks that the host has no others. */
export const MODELS = [
  'AccessToken', 'AuthorizationCode', 'BackchannelAuthenticationRequest', 'Client', 'ClientCredentials',
  'DeviceCode', 'Grant', 'InitialAccessToken', 'Interaction', 'PreAuthorizedCode',
  'PushedAuthorizationRequest', 'RefreshToken', 'RegistrationAccessToken', 'ReplayDetection', 'Session',
];

const GRANTABLE = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];

let sequence = 0;
const uniqueId = (label: string) => `${label}-${process.pid}-${(sequence += 1)}-${Math.random().toString(36).slice(2)}`;

function samplePayload(model: string, extra: Record<string, unknown> = {}): AdapterPayload {
  return {
    jti: uniqueId(model),
    kind: model,
    iat: 1_700_000_000,
    exp: 1_900_000_000,
    accountId: 'account ü 💡',
    scope: 'openid offline_access',
    claims: { userinfo: { email: null, nested: { essential: true, values: [1, 2.5, 'three'] } } },
    amr: [],
    ...extra,
  } as AdapterPayload;
}

/*
 * Expiry runs on a short timeline so that Redis, which keeps time itself, is waited on for tens of
 * milliseconds, not seconds. The stores take fractional seconds (the host hands them whole ones).
 * SHORT_TTL leaves room for the few round trips a test makes before it expects the entity to be
 * there; a stall can only make an expiry check pass later, never wrongly.
 */
const SHORT_TTL = 0.06;
/** Milliseconds after which an entity saved with SHORT_TTL (and no tolerance) is gone. */
const PAST_SHORT_TTL = 100;
/** The tolerance of the clockTolerance test (seconds), and waits inside and past it (milliseconds). */
const TOLERANCE = 0.3;
const WITHIN_TOLERANCE = 150;
const PAST_TOLERANCE = 250;

/** The payload as JSON would return it (undefined members dropped), which is what every store gives back. */
const stored = (payload: AdapterPayload) => JSON.parse(JSON.stringify(payload)) as AdapterPayload;

export function adapterContract(target: ContractTarget): void {
  let factory: AdapterFactory;
  const adapter = (model: string): Adapter => factory(model);

  beforeEach(async () => {
    factory = await target.reset(0);
  });

  it('covers every model oidc-provider 9.13 stores', async () => {
    assert.deepEqual(await hostModels(), [...MODELS].sort());
  });

  for (const model of MODELS) {
    it(`${model}: upsert, find, replace and destroy`, async () => {
      const first = samplePayload(model);
      const id = first.jti as string;
      await adapter(model).upsert(id, first, 60);
      assert.deepEqual(await adapter(model).find(id), stored(first));

      const second = samplePayload(model, { jti: id, scope: 'openid' });
      delete (second as Record<string, unknown>).claims;
      await adapter(model).upsert(id, second, 60);
      assert.deepEqual(await adapter(model).find(id), stored(second), 'upsert replaces, it does not merge');

      await adapter(model).destroy(id);
      assert.equal(await adapter(model).find(id), undefined);
    });
  }

  it('finds nothing for an unknown id, and destroying it is harmless', async () => {
    assert.equal(await adapter('AccessToken').find('missing'), undefined);
    await adapter('AccessToken').destroy('missing');
    await adapter('AccessToken').revokeByGrantId('missing');
    assert.equal(await adapter('Session').findByUid('missing'), undefined);
    assert.equal(await adapter('DeviceCode').findByUserCode('missing'), undefined);
  });

  it('keeps the models apart: the same id in two models is two entities', async () => {
    await adapter('AccessToken').upsert('shared', samplePayload('AccessToken', { jti: 'shared' }), 60);
    assert.equal(await adapter('RefreshToken').find('shared'), undefined);
  });

  it('expires an entity after its TTL and keeps one without a TTL', async () => {
    const token = samplePayload('AccessToken');
    const client = { client_id: uniqueId('client'), client_secret: 'secret', redirect_uris: ['https://rp.test/cb'] };
    await adapter('AccessToken').upsert(token.jti as string, token, SHORT_TTL);
    await adapter('Client').upsert(client.client_id, client as AdapterPayload);
    await target.elapse(PAST_SHORT_TTL);
    assert.equal(await adapter('AccessToken').find(token.jti as string), undefined);
    assert.deepEqual(await adapter('Client').find(client.client_id), client);
  });

  it('keeps entities and their indexes clockTolerance seconds past their TTL', async () => {
    factory = await target.reset(TOLERANCE);
    const grantId = uniqueId('grant');
    const uid = uniqueId('uid');
    const token = samplePayload('AccessToken', { grantId });
    const session = samplePayload('Session', { uid });
    await adapter('AccessToken').upsert(token.jti as string, token, SHORT_TTL);
    await adapter('Session').upsert(session.jti as string, session, SHORT_TTL);
    await target.elapse(WITHIN_TOLERANCE);
    assert.deepEqual(await adapter('AccessToken').find(token.jti as string), stored(token), 'past expiresIn, within the tolerance');
    assert.deepEqual(await adapter('Session').findByUid(uid), stored(session));
    await adapter('RefreshToken').revokeByGrantId(grantId);
    assert.equal(await adapter('AccessToken').find(token.jti as string), undefined, 'still a member of its grant');
    await target.elapse(PAST_TOLERANCE);
    assert.equal(await adapter('Session').find(session.jti as string), undefined, 'gone after expiresIn + clockTolerance');
    assert.equal(await adapter('Session').findByUid(uid), undefined);
  });

  it('keeps an entity saved with expiresIn 0 for the clock tolerance', async () => {
    factory = await target.reset(1);
    const token = samplePayload('AccessToken');
    await adapter('AccessToken').upsert(token.jti as string, token, 0);
    assert.deepEqual(await adapter('AccessToken').find(token.jti as string), stored(token));
  });

  it('stores consumed values of any kind and returns them as given', async () => {
    const values: unknown[] = [true, 1_700_000_000, '2024-05-01T10:00:00.000Z', new Date('2024-05-01T10:00:00.000Z'), { at: 1 }, false];
    for (const consumed of values) {
      const code = samplePayload('AuthorizationCode', { consumed });
      await adapter('AuthorizationCode').upsert(code.jti as string, code, 60);
      const found = await adapter('AuthorizationCode').find(code.jti as string) as Record<string, unknown>;
      assert.deepStrictEqual(found.consumed, consumed, `consumed: ${String(consumed)}`);
      assert.deepEqual({ ...found, consumed: undefined }, { ...stored(code), consumed: undefined });
    }
  });

  it('stores nothing for an upsert whose TTL already ran out', async () => {
    const token = samplePayload('AccessToken');
    await adapter('AccessToken').upsert(token.jti as string, token, 0);
    assert.equal(await adapter('AccessToken').find(token.jti as string), undefined);
  });

  it('finds a session by uid, follows re-keying, and forgets it on destroy or expiry', async () => {
    const uid = uniqueId('uid');
    const session = samplePayload('Session', { uid });
    await adapter('Session').upsert(session.jti as string, session, 60);
    assert.deepEqual(await adapter('Session').findByUid(uid), stored(session));

    // Session#resetIdentifier: the host destroys the old id, then saves the same uid under a new one.
    const rekeyed = samplePayload('Session', { uid });
    await adapter('Session').destroy(session.jti as string);
    await adapter('Session').upsert(rekeyed.jti as string, rekeyed, SHORT_TTL);
    assert.deepEqual(await adapter('Session').findByUid(uid), stored(rekeyed));

    await target.elapse(PAST_SHORT_TTL);
    assert.equal(await adapter('Session').findByUid(uid), undefined);

    const other = samplePayload('Session', { uid: uniqueId('uid') });
    await adapter('Session').upsert(other.jti as string, other, 60);
    await adapter('Session').destroy(other.jti as string);
    assert.equal(await adapter('Session').findByUid(other.uid as string), undefined);
  });

  it('forgets a session\'s old uid once it is saved under a new one', async () => {
    const [oldUid, newUid] = [uniqueId('uid'), uniqueId('uid')];
    const session = samplePayload('Session', { uid: oldUid });
    await adapter('Session').upsert(session.jti as string, session, 60);
    const moved = { ...session, uid: newUid };
    await adapter('Session').upsert(session.jti as string, moved, 60);
    assert.equal(await adapter('Session').findByUid(oldUid), undefined);
    assert.deepEqual(await adapter('Session').findByUid(newUid), stored(moved));
  });

  it('finds a device code by user code until it is destroyed', async () => {
    const userCode = uniqueId('USER');
    const code = samplePayload('DeviceCode', { userCode, grantId: uniqueId('grant') });
    await adapter('DeviceCode').upsert(code.jti as string, code, 60);
    assert.deepEqual(await adapter('DeviceCode').findByUserCode(userCode), stored(code));
    await adapter('DeviceCode').destroy(code.jti as string);
    assert.equal(await adapter('DeviceCode').findByUserCode(userCode), undefined);
  });

  it('consume marks the entity with the epoch second, keeps its payload and its expiry', async () => {
    const code = samplePayload('AuthorizationCode', { grantId: uniqueId('grant') });
    await adapter('AuthorizationCode').upsert(code.jti as string, code, SHORT_TTL);
    const before = Math.floor(Date.now() / 1000);
    await adapter('AuthorizationCode').consume(code.jti as string);
    const found = await adapter('AuthorizationCode').find(code.jti as string) as Record<string, unknown>;
    assert.equal(typeof found.consumed, 'number');
    assert.ok((found.consumed as number) >= before && (found.consumed as number) <= Math.floor(Date.now() / 1000) + 1);
    assert.deepEqual({ ...found, consumed: undefined }, { ...stored(code), consumed: undefined });
    await target.elapse(PAST_SHORT_TTL);
    assert.equal(await adapter('AuthorizationCode').find(code.jti as string), undefined);
  });

  it('consume of an absent entity rejects and creates nothing', async () => {
    await assert.rejects(adapter('AuthorizationCode').consume('never-stored'));
    assert.equal(await adapter('AuthorizationCode').find('never-stored'), undefined);
  });

  it('revokeByGrantId, from any grantable model, removes every entity of that grant and nothing else', async () => {
    const grantId = uniqueId('grant');
    const otherGrant = uniqueId('grant');
    const members = GRANTABLE.map((model) => ({ model, payload: samplePayload(model, { grantId }) }));
    const bystanders = GRANTABLE.map((model) => ({ model, payload: samplePayload(model, { grantId: otherGrant }) }));
    const session = samplePayload('Session', { uid: uniqueId('uid') });
    const grant = samplePayload('Grant', { jti: grantId });
    for (const { model, payload } of [...members, ...bystanders]) {
      await adapter(model).upsert(payload.jti as string, payload, 60);
    }
    await adapter('Session').upsert(session.jti as string, session, 60);
    await adapter('Grant').upsert(grantId, grant, 60);

    await adapter('RefreshToken').revokeByGrantId(grantId);

    for (const { model, payload } of members) {
      assert.equal(await adapter(model).find(payload.jti as string), undefined, `${model} of the grant`);
    }
    for (const { model, payload } of bystanders) {
      assert.deepEqual(await adapter(model).find(payload.jti as string), stored(payload), `${model} of another grant`);
    }
    assert.ok(await adapter('Session').find(session.jti as string));
    assert.ok(await adapter('Grant').find(grantId), 'the host destroys the Grant itself');
    await adapter('AccessToken').revokeByGrantId(grantId);
  });

  it('revokeByGrantId removes members upserted with long and short TTLs alike', async () => {
    const grantId = uniqueId('grant');
    const long = samplePayload('RefreshToken', { grantId });
    const short = samplePayload('AccessToken', { grantId });
    await adapter('RefreshToken').upsert(long.jti as string, long, 3600);
    await adapter('AccessToken').upsert(short.jti as string, short, SHORT_TTL);
    await target.elapse(PAST_SHORT_TTL);
    await adapter('AccessToken').revokeByGrantId(grantId);
    assert.equal(await adapter('RefreshToken').find(long.jti as string), undefined);
  });

  if (target.atomicConsume) {
    it('consume is exactly-once: of 100 concurrent consumptions one wins, the rest get invalid_grant', async () => {
      const code = samplePayload('AuthorizationCode', { grantId: uniqueId('grant') });
      await adapter('AuthorizationCode').upsert(code.jti as string, code, 60);
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, () => adapter('AuthorizationCode').consume(code.jti as string)),
      );
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      for (const result of results) {
        if (result.status === 'rejected') {
          const error = result.reason as { error: string; error_detail: string; cause: { code: string } };
          assert.equal(error.error, 'invalid_grant');
          assert.equal(error.error_detail, 'authorization code already consumed');
          assert.equal(error.cause.code, 'ERR_MTLS_ALREADY_CONSUMED');
        }
      }
    });

    it('a second consumption of a refresh token or a pushed request gets the host\'s own error', async () => {
      const token = samplePayload('RefreshToken', { grantId: uniqueId('grant') });
      await adapter('RefreshToken').upsert(token.jti as string, token, 60);
      await adapter('RefreshToken').consume(token.jti as string);
      await assert.rejects(adapter('RefreshToken').consume(token.jti as string), {
        error: 'invalid_grant', error_detail: 'refresh token already used',
      });
      const request = samplePayload('PushedAuthorizationRequest');
      await adapter('PushedAuthorizationRequest').upsert(request.jti as string, request, 60);
      await adapter('PushedAuthorizationRequest').consume(request.jti as string);
      await assert.rejects(adapter('PushedAuthorizationRequest').consume(request.jti as string), {
        error: 'invalid_request_uri', error_description: 'request_uri is invalid, expired, or was already used',
      });
    });

    it('consume counts a stored consumed value as the host reads it: truthy is consumed, falsy is not', async () => {
      for (const consumed of [true, 'yes', new Date(), 1]) {
        const code = samplePayload('AuthorizationCode', { consumed });
        await adapter('AuthorizationCode').upsert(code.jti as string, code, 60);
        await assert.rejects(adapter('AuthorizationCode').consume(code.jti as string), { error: 'invalid_grant' }, String(consumed));
        assert.deepStrictEqual((await adapter('AuthorizationCode').find(code.jti as string) as Record<string, unknown>).consumed, consumed);
      }
      for (const consumed of [false, 0, null, '']) {
        const code = samplePayload('AuthorizationCode', { consumed });
        await adapter('AuthorizationCode').upsert(code.jti as string, code, 60);
        await adapter('AuthorizationCode').consume(code.jti as string);
        assert.equal(typeof (await adapter('AuthorizationCode').find(code.jti as string) as Record<string, unknown>).consumed, 'number');
      }
    });

    it('consume of an expired entity rejects with invalid_grant and does not bring it back', async () => {
      const code = samplePayload('AuthorizationCode', { grantId: uniqueId('grant') });
      await adapter('AuthorizationCode').upsert(code.jti as string, code, SHORT_TTL);
      await target.elapse(PAST_SHORT_TTL);
      await assert.rejects(adapter('AuthorizationCode').consume(code.jti as string), {
        error: 'invalid_grant', error_detail: 'authorization code is expired or was revoked',
      });
      assert.equal(await adapter('AuthorizationCode').find(code.jti as string), undefined);
    });
  }
}
