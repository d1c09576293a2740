import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/errors.js';
import { fapiTlsOptions } from '../../src/fapi/index.js';

describe('fapiTlsOptions()', () => {
  const refuses = (fn: () => unknown, message: RegExp) => assert.throws(fn, (error: unknown) => (
    error instanceof ConfigurationError && error.code === 'ERR_MTLS_INVALID_OPTION' && message.test(error.message)
  ));

  it('adds TLS 1.2-1.3 and the FAPI 2.0 suites, keeping TLS 1.3 suites, and keeps the other options', () => {
    const options = fapiTlsOptions({ key: 'k', cert: 'c', requestCert: true });
    assert.equal(options.key, 'k');
    assert.equal(options.requestCert, true);
    assert.equal(options.minVersion, 'TLSv1.2');
    assert.equal(options.maxVersion, 'TLSv1.3');
    assert.equal(options.honorCipherOrder, true);
    assert.equal(options.ciphers, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:'
      + 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal('dhparam' in options, false, 'no DHE suite, no DH parameters');
  });

  it('uses the four FAPI 1.0 Advanced suites with RFC 7919 DH groups for 1.0 Final', () => {
    const options = fapiTlsOptions({}, { profile: '1.0 Final' });
    assert.match(String(options.ciphers), /:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384$/);
    assert.equal(options.dhparam, 'auto');
  });

  it('keeps a stricter version range', () => {
    assert.equal(fapiTlsOptions({ minVersion: 'TLSv1.3' }).minVersion, 'TLSv1.3');
    assert.equal(fapiTlsOptions({ maxVersion: 'TLSv1.2' }).maxVersion, 'TLSv1.2');
  });

  it('refuses options that would weaken or replace the policy, naming them', () => {
    refuses(() => fapiTlsOptions({ minVersion: 'TLSv1.1' }), /^fapiTlsOptions\(\) serverOptions.minVersion is "TLSv1.1"; FAPI allows only TLSv1.2 and TLSv1.3$/);
    refuses(() => fapiTlsOptions({ ciphers: 'HIGH' }), /^fapiTlsOptions\(\) serverOptions.ciphers is set; remove it/);
    refuses(() => fapiTlsOptions({ secureProtocol: 'TLSv1_method' }), /serverOptions.secureProtocol is set/);
    refuses(() => fapiTlsOptions({}, { profile: '3.0' as never }), /options.profile must be '2.0' or '1.0 Final'/);
    refuses(() => fapiTlsOptions({}, { profil: '2.0' } as never), /^profil is not an option of fapiTlsOptions \(did you mean profile\?\)$/);
  });
});
