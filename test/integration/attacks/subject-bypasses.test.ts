// Certificates issued by a trusted CA to other names, presented for a victim tls_client_auth client
// at the token endpoint: each once obtained a token through subject matching. Now each is refused
// with 401 invalid_client and ERR_MTLS_SUBJECT_MISMATCH, and the victim's own certificate still
// gets its token, so the refusals are about the names alone.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';

const common = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'tls_client_auth' };
const TENANT = '1.3.6.1.4.1.55555.1';

/** A subject of RDNs given in ASN.1 order, each `[type, value]` one single-valued RDN, as UTF8String. */
const subject = (...rdns: [string, string][]) => new x509.Name(rdns.map(([type, value]) => ({ [type]: [{ utf8String: value }] })) as x509.JsonNameParams);

describe('attacks: subject-matching bypasses at the token endpoint', () => {
  let pki: TestPki;
  let op: TestProvider;
  const certs: Record<string, TestCertificate> = {};

  before(async () => {
    pki = await createTestPki();
    const by = (name: string | x509.Name) => issue({ subject: name, issuer: pki.intermediate });
    certs.victim = await by('CN=victim-service,O=Example Bank,C=GB');
    // U+0131 LATIN SMALL LETTER DOTLESS I: RFC 3454 table B.2 has no mapping for it.
    certs.dotless = await by('CN=v\u0131ct\u0131m-serv\u0131ce,O=Example Bank,C=GB');
    certs.tenant = await by(subject([TENANT, 'tenant-7'], ['2.5.4.3', 'victim-service']));
    // One RDN whose value holds what a separator-joined key put between RDNs (\u0002) and between
    // the attributes of one RDN (\u0001).
    certs.forgedRdns = await by(subject([TENANT, 'tenant-7\u00022.5.4.3=victim-service']));
    // DER orders a SET OF by encoding: the shorter CN attribute first.
    certs.multi = await by(new x509.Name([{ '2.5.4.3': [{ utf8String: 'victim-service' }], [TENANT]: [{ utf8String: 'tenant-7' }] }] as x509.JsonNameParams));
    certs.forgedMulti = await by(subject([TENANT, 'tenant-7\u00012.5.4.3=victim-service']));
    op = await startTestProvider({
      pki,
      clients: [
        { client_id: 'victim', tls_client_auth_subject_dn: 'CN=victim-service,O=Example Bank,C=GB', ...common },
        { client_id: 'tenant-victim', tls_client_auth_subject_dn: `CN=victim-service,${TENANT}=tenant-7`, ...common },
        { client_id: 'multi-victim', tls_client_auth_subject_dn: `CN=victim-service+${TENANT}=tenant-7`, ...common },
      ] as never,
    });
  });

  after(() => op?.close());

  async function attempt(clientId: string, cert: TestCertificate) {
    const before = op.refusals.length;
    const fetch = tlsFetch(pki.root, { ...cert, pem: cert.pem + pki.intermediate.pem });
    const response = await postForm(fetch, `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: clientId });
    return { ...response, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  async function refused(clientId: string, cert: TestCertificate) {
    const { status, body, codes } = await attempt(clientId, cert);
    assert.equal(status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_SUBJECT_MISMATCH']);
  }

  async function accepted(clientId: string, cert: TestCertificate) {
    const { status, body } = await attempt(clientId, cert);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
  }

  it('CN=vıctım-servıce (dotless i, U+0131) for a client registered as CN=victim-service: refused (RFC 4518 2.2, RFC 3454 B.2)', async () => {
    await refused('victim', certs.dotless!);
    await accepted('victim', certs.victim!);
  });

  it('one RDN of an unknown type whose value spells a second RDN (\\u0002): refused, RDN count and order compare structurally (RFC 4517 4.2.15)', async () => {
    await refused('tenant-victim', certs.forgedRdns!);
    await accepted('tenant-victim', certs.tenant!);
  });

  it('one attribute whose value spells a multi-valued RDN (\\u0001): refused, each RDN compares as a set of attributes (RFC 4517 4.2.15)', async () => {
    await refused('multi-victim', certs.forgedMulti!);
    await accepted('multi-victim', certs.multi!);
  });
});
