import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { HttpTls } from '../util/http.js';
import type { ResolvedClientAuth } from './resolve.js';

/** The parts of an introspection request that authenticate the resource server. */
interface ClientCredentials {
  readonly headers: Record<string, string>;
  readonly params: Record<string, string>;
  readonly tls: HttpTls;
}

/** Seconds a `private_key_jwt` assertion stays valid; one is signed per introspection call. */
const ASSERTION_LIFETIME = 60;

/**
 * Builds the client authentication for one call to the provider (RFC 7662 section 2.1), with
 * the method the provider registered for this resource server.
 */
export async function clientCredentials(
  auth: ResolvedClientAuth,
  clientId: string,
  issuer: string,
  ca: readonly string[] | undefined,
): Promise<ClientCredentials> {
  const tls: HttpTls = ca ? { ca } : {};
  switch (auth.method) {
    case 'client_secret_basic':
      return {
        headers: { authorization: `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(auth.secret)}`).toString('base64')}` },
        params: {},
        tls,
      };
    case 'client_secret_post':
      return { headers: {}, params: { client_id: clientId, client_secret: auth.secret }, tls };
    case 'private_key_jwt': {
      // RFC 7523 section 3; `aud` is the issuer identifier, which every endpoint accepts.
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: auth.alg, ...(auth.kid === undefined ? {} : { kid: auth.kid }) })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${ASSERTION_LIFETIME}s`)
        .sign(auth.key);
      return {
        headers: {},
        params: {
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        },
        tls,
      };
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return { headers: {}, params: { client_id: clientId }, tls: { ...tls, cert: auth.certificate, key: auth.key } };
  }
}

/** RFC 6749 section 2.3.1: Basic credentials are form-encoded before base64. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
