import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Provider } from 'oidc-provider';
import { createMtls } from '../../src/index.js';
import { ConfigurationError } from '../../src/errors.js';
import { socketSource } from '../../src/intake/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';

describe('createMtls() options', () => {
  let pki: TestPki;
  before(async () => { pki = await createTestPki(); });

  const refuses = (options: unknown, message: RegExp) => assert.throws(
    () => createMtls(options as never),
    (error: unknown) => error instanceof ConfigurationError && error.code === 'ERR_MTLS_INVALID_OPTION' && message.test(error.message),
  );

  it('requires trustAnchors while tls_client_auth is on, and says how to turn it off', () => {
    refuses({}, /trustAnchors must be set when tlsClientAuth is enabled \(or set tlsClientAuth: false\)/);
    assert.ok(createMtls({ tlsClientAuth: false }));
  });

  it('refuses an mtlsOrigin that is not a bare https origin', () => {
    refuses({ tlsClientAuth: false, mtlsOrigin: 'http://mtls.example.com' }, /mtlsOrigin must be an https origin/);
    refuses({ tlsClientAuth: false, mtlsOrigin: 'https://mtls.example.com/path' }, /mtlsOrigin must be an https origin/);
    refuses({ tlsClientAuth: false, mtlsOrigin: 'not a url' }, /mtlsOrigin must be an absolute https URL origin/);
  });

  it('refuses a certificateSource that is not a source', () => {
    refuses({ tlsClientAuth: false, certificateSource: [] }, /certificateSource must not be an empty list/);
    refuses({ tlsClientAuth: false, certificateSource: 'tls' }, /certificateSource must be 'socket', header source options/);
    refuses({ tlsClientAuth: false, certificateSource: { format: 'rfc9440' } }, /certificateSource.trustedProxies/);
    assert.ok(createMtls({ tlsClientAuth: false, certificateSource: [socketSource()] }));
  });

  it('refuses non-boolean flags and a plugin with every feature off', () => {
    refuses({ tlsClientAuth: 'yes' }, /tlsClientAuth must be a boolean/);
    refuses({ tlsClientAuth: false, selfSignedTlsClientAuth: false, certificateBoundAccessTokens: false }, /at least one of/);
  });

  const exactly = (options: unknown, message: string) => refuses(options, new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));

  it('refuses an unknown option with its name and the one it looks like, instead of ignoring it', () => {
    exactly({ trustAnchors: [pki.root.pem], revokation: { mode: 'hard-fail' } }, 'revokation is not an option of createMtls (did you mean revocation?)');
    exactly({ trustAnchors: [pki.root.pem], ClockTolerance: 5 }, 'ClockTolerance is not an option of createMtls (did you mean clockTolerance?)');
    refuses({ trustAnchors: [pki.root.pem], features: {} }, /^features is not an option of createMtls \(known: certificateSource, .*trustAnchors/);
  });

  it('refuses an unknown nested option with its full dotted path', () => {
    const anchors = [pki.root.pem];
    exactly({ trustAnchors: anchors, revocation: { mode: 'soft-fail', timout: 2 } }, 'revocation.timout is not an option (did you mean revocation.timeout?)');
    exactly({ trustAnchors: anchors, cache: { max: 10, ttls: 60 } }, 'cache.ttls is not an option (did you mean cache.ttl?)');
    exactly({ trustAnchors: anchors, algorithms: { minRSABits: 2048 } }, 'algorithms.minRSABits is not an option (did you mean algorithms.minRsaBits?)');
    exactly({ trustAnchors: anchors, policies: { requireExplicitPolicies: true } }, 'policies.requireExplicitPolicies is not an option (did you mean policies.requireExplicitPolicy?)');
    exactly({ tlsClientAuth: false, diagnostics: { bearerSecret: 'x'.repeat(32), adresses: ['127.0.0.1/32'] } }, 'diagnostics.adresses is not an option (did you mean diagnostics.addresses?)');
    exactly(
      { tlsClientAuth: false, certificateSource: { format: 'rfc9440', trustedProxies: { addresses: ['127.0.0.1/32'], forwardedForHop: 1 } } },
      'certificateSource.trustedProxies.forwardedForHop is not an option (did you mean certificateSource.trustedProxies.forwardedForHops?)',
    );
    exactly(
      { tlsClientAuth: false, certificateSource: [{ format: 'rfc9440', trustedProxy: { addresses: ['127.0.0.1/32'] } }] },
      'certificateSource[0].trustedProxy is not an option (did you mean certificateSource[0].trustedProxies?)',
    );
    exactly({ tlsClientAuth: false, certificateSource: { format: 'rfc9440', trustedProxies: { addresses: [] } } }, 'certificateSource.trustedProxies.addresses must be a non-empty array of CIDR strings (e.g. ["10.0.0.0/8", "::1/128"])');
  });

  it('validates the validation options even while tlsClientAuth is off, and revocation options while revocation is off', () => {
    exactly({ tlsClientAuth: false, revocation: { timeout: -5 } }, 'revocation.timeout must be a positive number of seconds (fractions allowed, e.g. 0.5)');
    exactly({ tlsClientAuth: false, clockTolerance: -1 }, 'clockTolerance must be a non-negative number of seconds (fractions allowed, e.g. 0.5)');
    exactly({ tlsClientAuth: false, cache: { max: -1 } }, 'cache.max must be a non-negative integer');
    exactly({ tlsClientAuth: false, maxIntermediates: 40 }, 'maxIntermediates must be an integer from 0 to 32');
    refuses({ tlsClientAuth: false, trustAnchors: ['not a certificate'] }, /^trustAnchors\[0\] /);
    refuses({ tlsClientAuth: false, trustAnchors: [pki.root.pem], intermediates: [{ file: '/nonexistent/ca.pem' }] }, /^intermediates\[0\]\.file "\/nonexistent\/ca.pem" could not be read/);
    exactly({ trustAnchors: [pki.root.pem], revocation: { mode: 'off', ocspMaxAge: 0 } }, 'revocation.ocspMaxAge must be a positive number of seconds (fractions allowed, e.g. 0.5)');
  });

  it('takes durations in seconds, fractions included, and says how to write a value meant as milliseconds', () => {
    assert.ok(createMtls({ trustAnchors: [pki.root.pem], revocation: { mode: 'soft-fail', timeout: 0.3 }, clockTolerance: 0.5, cache: { ttl: 0.25 } }).validator);
    exactly({ trustAnchors: [pki.root.pem], revocation: { timeout: 5000 } }, 'revocation.timeout must be at most 60 seconds; durations are in seconds (write 5 for 5000 ms)');
  });

  it('rejects invalid trust anchors at construction', () => {
    assert.throws(() => createMtls({ trustAnchors: ['-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n'] }));
    assert.ok(createMtls({ trustAnchors: [pki.root.pem] }).validator);
  });
});

describe('configure()', () => {
  let pki: TestPki;
  before(async () => { pki = await createTestPki(); });

  it('enables features.mTLS with the hooks and adds both auth methods without clobbering the user\'s config', () => {
    const mtls = createMtls({ trustAnchors: [pki.root.pem] });
    const userValidator = (_ctx: unknown, key: string, value: unknown) => {
      if (key === 'tenant' && typeof value !== 'string') throw new Error('tenant must be a string');
    };
    const user = {
      clientAuthMethods: ['private_key_jwt'],
      extraClientMetadata: { properties: ['tenant'], validator: userValidator },
      features: { introspection: { enabled: true }, mTLS: { certificateBoundAccessTokens: false } },
      ttl: { AccessToken: 600 },
    };
    const frozen = structuredClone({ ...user, extraClientMetadata: { properties: ['tenant'] } });
    const config = mtls.configure(user) as Record<string, any>;

    assert.deepEqual(config.clientAuthMethods, ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
    assert.equal(config.features.mTLS.enabled, true);
    assert.equal(config.features.mTLS.tlsClientAuth, true);
    assert.equal(config.features.mTLS.selfSignedTlsClientAuth, true);
    assert.equal(config.features.mTLS.certificateBoundAccessTokens, false, 'the user\'s explicit false wins');
    assert.equal(typeof config.features.mTLS.getCertificate, 'function');
    assert.deepEqual(config.features.introspection, { enabled: true });
    assert.deepEqual(config.ttl, { AccessToken: 600 });
    assert.deepEqual(config.extraClientMetadata.properties, ['tenant', 'tls_client_auth_anchor_pins', 'tls_client_auth_certificate_policies']);
    assert.deepEqual({ ...user, extraClientMetadata: { properties: user.extraClientMetadata.properties } }, frozen, 'the user\'s object is untouched');
    assert.throws(() => config.extraClientMetadata.validator(undefined, 'tenant', 42, {}), /tenant must be a string/);
  });

  it('uses the host\'s default auth methods when the config lists none', () => {
    const config = createMtls({ tlsClientAuth: false }).configure({}) as Record<string, any>;
    assert.deepEqual(config.clientAuthMethods, ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none', 'self_signed_tls_client_auth']);
  });

  it('refuses a config that sets the hooks itself, disables mTLS, or enables what the plugin has off', () => {
    const mtls = createMtls({ tlsClientAuth: false });
    assert.throws(() => mtls.configure({ features: { mTLS: { getCertificate: () => undefined } } }), /features.mTLS.getCertificate is provided by oidc-provider-mtls/);
    assert.throws(() => mtls.configure({ features: { mTLS: { enabled: false } } }), /features.mTLS.enabled is false/);
    assert.throws(() => mtls.configure({ features: { mTLS: { tlsClientAuth: true } } }), /features.mTLS.tlsClientAuth is true in the provider configuration but tlsClientAuth is false/);
  });

  it('refuses registrations the hooks could never match, with the host\'s invalid_client_metadata', async () => {
    const mtls = createMtls({ trustAnchors: [pki.root.pem] });
    const base = { token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    const provider = new Provider('https://op.example.test', mtls.configure({ features: { clientCredentials: { enabled: true } } }));
    const bad = [
      [{ ...base, client_id: 'a', tls_client_auth_subject_dn: 'CN=a,,O=b' }, /tls_client_auth_subject_dn is not a valid RFC 4514 distinguished name/],
      [{ ...base, client_id: 'b', tls_client_auth_san_ip: '300.1.1.1' }, /tls_client_auth_san_ip must be an IPv4 or IPv6 address/],
      [{ ...base, client_id: 'c', tls_client_auth_subject_dn: 'CN=c', tls_client_auth_anchor_pins: ['short'] }, /tls_client_auth_anchor_pins must be a non-empty array/],
    ] as const;
    for (const [metadata, message] of bad) {
      await assert.rejects(provider.Client.validate(metadata as never), (error: { error?: string; error_description?: string }) => {
        assert.equal(error.error, 'invalid_client_metadata');
        assert.match(String(error.error_description), message);
        return true;
      });
    }
    await provider.Client.validate({ ...base, client_id: 'ok', tls_client_auth_subject_dn: 'CN=ok,O=Example', tls_client_auth_anchor_pins: [createHash('sha256').update(pki.root.x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url')] } as never);
  });
});
