// A certificate header sent straight to the provider, not through a trusted proxy, is ignored and
// reported, for every header format: it never authenticates a client, and never combines with the
// TLS certificate of the same request.
import assert from 'node:assert/strict';
import { HEADER_FORMATS, resolveCertificateSource, type HeaderFormat } from '../../../src/intake/index.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../support/pki.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { certificateClient, jwkWithCertificate, startTestProvider, type TestProvider } from '../../support/provider.js';
import * as shape from '../../intake/shapes.js';

function forged(format: HeaderFormat | 'custom', cert: TestCertificate): Record<string, string> {
  switch (format) {
    case 'rfc9440': return { 'client-cert': shape.rfc9440(cert) };
    case 'nginx': return { 'x-ssl-client-cert': shape.nginxEscaped(cert) };
    // Node refuses folded lines outright, so the forger sends the unfolded form.
    case 'nginx-legacy': return { 'x-ssl-client-cert': shape.nginxLegacy(cert).replace(/\n/g, '') };
    case 'xfcc': return { 'x-forwarded-client-cert': shape.xfccElement(cert) };
    case 'aws-alb': return { 'x-amzn-mtls-clientcert': shape.awsAlb(cert) };
    case 'aws-alb-verify': return { 'x-amzn-mtls-clientcert-leaf': shape.awsAlb(cert) };
    case 'traefik': return { 'x-forwarded-tls-client-cert': shape.traefik(cert) };
    case 'haproxy': return { 'x-ssl-client-cert': shape.base64Der(cert) };
    case 'apache': return { 'x-ssl-client-cert': shape.apacheFlattened(cert) };
    case 'caddy': return { 'x-client-cert': shape.base64Der(cert) };
    case 'azure': return { 'x-arr-clientcert': shape.base64Der(cert) };
    case 'cloudflare': return { 'cf-client-cert-der-base64': shape.base64Der(cert) };
    case 'custom': return { 'x-client-cert-hex': cert.der.toString('hex') };
  }
}

describe('forged certificate headers sent directly to the provider', () => {
  let pki: TestPki;

  before(async () => {
    pki = await createTestPki();
  });

  for (const format of HEADER_FORMATS) {
    describe(`format ${format}`, () => {
      let op: TestProvider;

      before(async () => {
        // The proxy is trusted only from 10.0.0.0/8; the test client connects from 127.0.0.1.
        const trustedProxies = { addresses: ['10.0.0.0/8'] };
        const header = format === 'custom'
          ? { format, header: 'x-client-cert-hex', decode: (value: string) => Buffer.from(value, 'hex'), trustedProxies }
          : { format, trustedProxies };
        op = await startTestProvider({
          pki,
          mtls: { certificateSource: resolveCertificateSource([header, 'socket']) },
          clients: [
            certificateClient('tls-cc', { tls_client_certificate_bound_access_tokens: true }),
            { client_id: 'self-cc', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwkWithCertificate(pki.selfSigned)] }, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
          ] as never,
        });
      });

      after(() => op.close());

      async function token(clientId: string, tlsCert: TestCertificate | undefined, headers: Record<string, string>) {
        const before = op.refusals.length;
        const result = await postForm(tlsFetch(pki.root, tlsCert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: clientId }, headers);
        return { ...result, codes: op.refusals.slice(before).map((error) => error.code) };
      }

      it('a forged header alone authenticates nobody: 401 invalid_client, ERR_MTLS_PROXY_UNTRUSTED', async () => {
        for (const [clientId, cert] of [['tls-cc', pki.clientA], ['self-cc', pki.selfSigned]] as const) {
          const { status, body, codes } = await token(clientId, undefined, forged(format, cert));
          assert.equal(status, 401, JSON.stringify(body));
          assert.equal(body.error, 'invalid_client');
          assert.deepEqual(codes, ['ERR_MTLS_PROXY_UNTRUSTED']);
        }
      });

      it('a forged header next to a TLS certificate is refused too, never mixed with it', async () => {
        const { status, codes } = await token('tls-cc', pki.clientB, forged(format, pki.clientA));
        assert.equal(status, 401);
        assert.deepEqual(codes, ['ERR_MTLS_PROXY_UNTRUSTED']);
        // The same client with the same TLS certificate and no header is authenticated by the socket.
        const withChain = { ...pki.clientA, pem: pki.clientA.pem + pki.intermediate.pem };
        const direct = await token('tls-cc', withChain, {});
        assert.equal(direct.status, 200, JSON.stringify(direct.body));
      });
    });
  }
});
