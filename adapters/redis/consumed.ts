import { errors } from 'oidc-provider';
import { AlreadyConsumedError } from '../../src/errors.js';

/*
 * The host checks `consumed` on the copy it read and only then awaits `consume()`, so with a store
 * slower than memory two concurrent redemptions can both pass its check. The adapter's atomic consume
 * closes that race and rejects the loser with the error the host itself would have thrown had it
 * seen the flag, so the client gets the same OAuth answer either way.
 */

/** The host's own wording, per grant source (lib/actions/grants/*.js, lib/helpers/grant_source.js). */
const LABELS: Readonly<Record<string, string>> = {
  AuthorizationCode: 'authorization code',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
  PreAuthorizedCode: 'pre-authorized code',
};

/** The error for a second consumption of `model`, carrying an {@link AlreadyConsumedError} as cause. */
export function alreadyConsumed(model: string): { cause: AlreadyConsumedError; error: Error } {
  if (model === 'RefreshToken') {
    const cause = new AlreadyConsumedError('refresh token already used');
    return { cause, error: new errors.InvalidGrant({ detail: cause.message, cause }) };
  }
  if (model === 'PushedAuthorizationRequest') {
    const cause = new AlreadyConsumedError('request_uri was already used');
    return {
      cause,
      error: new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used', { cause }),
    };
  }
  const cause = new AlreadyConsumedError(`${LABELS[model] ?? model} already consumed`);
  return { cause, error: new errors.InvalidGrant({ detail: cause.message, cause }) };
}

/** The error for consuming an entity that expired or was revoked since the host read it. */
export function consumedMissing(model: string): Error {
  if (model === 'PushedAuthorizationRequest') {
    return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  }
  return new errors.InvalidGrant({ detail: `${LABELS[model] ?? model} is expired or was revoked` });
}
