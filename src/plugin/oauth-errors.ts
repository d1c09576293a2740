import { errors } from 'oidc-provider';
import type { MtlsError } from '../errors.js';

/** Which of the host's OAuth errors a refusal becomes, decided by where it happened. */
export type OAuthErrorKind = 'invalid_client' | 'invalid_grant' | 'invalid_token' | 'invalid_request';

/**
 * The host's own OAuth error, carrying ours as `cause` and our message as `error_description`
 * (the host's classes fix a generic description; a client fixing its setup needs the real reason).
 */
export function toOAuthError(kind: OAuthErrorKind, error: MtlsError): Error {
  let oauth: Error & { error_description?: string | undefined };
  switch (kind) {
    case 'invalid_client':
      oauth = new errors.InvalidClientAuth({ cause: error } as never);
      break;
    case 'invalid_grant':
      oauth = new errors.InvalidGrant({ cause: error } as never);
      break;
    case 'invalid_token':
      oauth = new errors.InvalidToken({ cause: error } as never);
      break;
    case 'invalid_request':
      oauth = new errors.InvalidRequest(error.message);
      Object.defineProperty(oauth, 'cause', { value: error, configurable: true, writable: true });
      break;
  }
  oauth.error_description = error.message;
  return oauth;
}
