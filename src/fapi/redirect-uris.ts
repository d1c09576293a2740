import { errors } from 'oidc-provider';
import type { ProfileRules } from './profiles.js';

/** The loopback IP literals of RFC 8252 section 7.3, as `URL` gives a hostname. */
const LOOPBACK_LITERALS = new Set(['127.0.0.1', '[::1]']);

/**
 * Why `uri` is not allowed, or `undefined`. FAPI 2.0 SP 5.3.2.2 item 8: `https`, except `http` for
 * native clients using loopback interface redirection (RFC 8252 section 7.3, an IP literal: the
 * name `localhost` is not part of it). FAPI 1.0 Part 1 5.2.2 item 20 and section 7.5: `https`
 * only, so neither private-use schemes nor loopback redirection for native apps.
 */
function refusal(uri: string, nativeClient: boolean, rules: ProfileRules): string | undefined {
  const url = URL.parse(uri);
  // The host refuses what does not parse, with its own message.
  if (url === null || url.protocol === 'https:') return undefined;
  if (rules.redirectUris === 'https or native loopback') {
    if (url.protocol === 'http:' && nativeClient && LOOPBACK_LITERALS.has(url.hostname)) return undefined;
    return `redirect_uris ${JSON.stringify(uri)} is not allowed by ${rules.title}: use https, or (native clients only) http on the loopback address 127.0.0.1 or [::1]`;
  }
  return `redirect_uris ${JSON.stringify(uri)} is not allowed by ${rules.title}: use https (claimed https URIs for native apps)`;
}

/** Refuses, with the host's `invalid_client_metadata`, a redirect URI the profile does not allow. */
export function checkRedirectUris(metadata: Record<string, unknown>, rules: ProfileRules): void {
  const uris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris : [];
  const nativeClient = metadata.application_type === 'native';
  for (const uri of uris) {
    const problem = typeof uri === 'string' ? refusal(uri, nativeClient, rules) : undefined;
    if (problem !== undefined) throw new errors.InvalidClientMetadata(problem);
  }
}
