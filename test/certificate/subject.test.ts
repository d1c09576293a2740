// RFC 8705 section 2.1.2 subject matching, each case citing the rule it checks.
import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/errors.js';
import { ClientCertificate, offeredSubjectValues, parseDistinguishedName, subjectMatches } from '../../src/certificate/index.js';
import { issue, type TestCertificate } from '../support/pki.js';

describe('certificate/subject', () => {
  let ca: TestCertificate;
  let cert: TestCertificate;
  let multi: TestCertificate;
  let eidas: TestCertificate;

  before(async () => {
    ca = await issue({ subject: 'CN=Subject CA', ca: true });
    cert = await issue({
      subject: 'CN=Client  One,OU=Payments,O=Example Bank,C=GB',
      issuer: ca,
      sans: [
        { type: 'dns', value: 'Client.Example.com' },
        { type: 'url', value: 'HTTPS://Client.Example.com/Path/%7euser?q=A' },
        { type: 'ip', value: '192.0.2.10' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'email', value: 'Ops.Team@Example.COM' },
      ],
    });
    multi = await issue({ subject: 'CN=svc+0.9.2342.19200300.100.1.1=42,O=Example', issuer: ca });
    eidas = await issue({ subject: 'CN=TPP,2.5.4.97=PSDGB-FCA-123456,O=TPP Ltd,C=GB', issuer: ca });
  });

  const dn = (certificate: TestCertificate, expected: string) => subjectMatches(certificate.pem, 'tls_client_auth_subject_dn', expected);

  describe('tls_client_auth_subject_dn (RFC 4514 string, RFC 4517 4.2.15 distinguishedNameMatch)', () => {
    it('matches the RFC 4514 form of the subject, most specific RDN first (RFC 4514 2.1)', () => {
      assert.equal(ClientCertificate.from(cert.pem).subjectDn, 'CN=Client  One,OU=Payments,O=Example Bank,C=GB');
      assert.equal(dn(cert, 'CN=Client  One,OU=Payments,O=Example Bank,C=GB'), true);
    });

    it('refuses the same RDNs in another order (RFC 4517 4.2.15: same order)', () => {
      assert.equal(dn(cert, 'C=GB,O=Example Bank,OU=Payments,CN=Client  One'), false);
    });

    it('refuses a prefix or an extension of the name (RFC 4517 4.2.15: same number of RDNs)', () => {
      assert.equal(dn(cert, 'OU=Payments,O=Example Bank,C=GB'), false);
      assert.equal(dn(cert, 'UID=x,CN=Client  One,OU=Payments,O=Example Bank,C=GB'), false);
    });

    it('ignores case in caseIgnoreMatch attributes (RFC 4517 4.2.11, RFC 4518 2.2 case folding)', () => {
      assert.equal(dn(cert, 'cn=CLIENT  ONE,ou=payments,o=EXAMPLE BANK,c=gb'), true);
    });

    it('treats runs of spaces and leading or trailing spaces as insignificant (RFC 4518 2.6.1)', () => {
      assert.equal(dn(cert, 'CN=Client One,OU=Payments,O=Example   Bank,C=GB'), true);
      assert.equal(dn(cert, 'CN=\\ Client One\\ ,OU=Payments,O=Example Bank,C=GB'), true);
      assert.equal(dn(cert, 'CN=ClientOne,OU=Payments,O=Example Bank,C=GB'), false);
    });

    it('accepts spaces around separators and after "="', () => {
      assert.equal(dn(cert, 'CN=Client One, OU=Payments, O=Example Bank, C=GB'), true);
    });

    it('compares attribute types by OID: short names, long names and dotted OIDs are equal (RFC 4514 3)', () => {
      assert.equal(dn(cert, '2.5.4.3=Client One,organizationalUnitName=Payments,OID.2.5.4.10=Example Bank,countryName=GB'), true);
    });

    it('decodes escaped characters and hex pairs (RFC 4514 3, "pair")', () => {
      assert.equal(dn(cert, 'CN=Client\\20One,OU=Pay\\6dents,O=Example Bank,C=GB'), true);
    });

    it('decodes #-hex BER values (RFC 4514 2.4 and 3)', () => {
      // 0c 0a "Client One" as a UTF8String; PrintableString 13 02 "GB"
      const hex = Buffer.from('Client One').toString('hex');
      assert.equal(dn(cert, `CN=#0c0a${hex},OU=Payments,O=Example Bank,C=#13024742`), true);
    });

    it('compares multi-valued RDNs as sets (RFC 4517 4.2.15, RFC 4514 2.2 "+")', () => {
      assert.equal(dn(multi, 'CN=svc+UID=42,O=Example'), true);
      assert.equal(dn(multi, 'UID=42+CN=svc,O=Example'), true);
      assert.equal(dn(multi, 'CN=svc,UID=42,O=Example'), false);
      assert.equal(dn(multi, 'CN=svc+UID=43,O=Example'), false);
    });

    it('knows organizationIdentifier (2.5.4.97, ETSI EN 319 412-1) by name and OID', () => {
      assert.equal(dn(eidas, 'CN=TPP,organizationIdentifier=PSDGB-FCA-123456,O=TPP Ltd,C=GB'), true);
      assert.equal(dn(eidas, 'CN=TPP,2.5.4.97=psdgb-fca-123456,O=TPP Ltd,C=GB'), true);
      assert.equal(ClientCertificate.from(eidas.pem).subjectDn, 'CN=TPP,organizationIdentifier=PSDGB-FCA-123456,O=TPP Ltd,C=GB');
    });

    it('applies RFC 4518 mapping and NFKC: soft hyphen vanishes, full-width letters fold (RFC 4518 2.2-2.3)', async () => {
      const unicode = await issue({ subject: 'CN=Stra\u00DFe Caf\u00E9', issuer: ca });
      assert.equal(dn(unicode, 'CN=STRASSE CAF\u0045\u0301'), true);
      assert.equal(dn(unicode, 'CN=Stra\u00ADsse Caf\u00E9'), true);
      assert.equal(dn(unicode, 'CN=\uFF33trasse Caf\u00E9'), true);
      assert.equal(dn(unicode, 'CN=Strasse Cafe'), false);
    });

    it('never matches an unparsable registered value, and refuses it at registration', () => {
      for (const bad of ['CN', 'CN=a,,O=b', '=x', 'CN=a\\zz', 'CN=#zz', 'XX=a', 'CN=a;O=b', 'CN="a"', 'CN=a,']) {
        assert.equal(dn(cert, bad), false, bad);
        assert.throws(() => parseDistinguishedName(bad), ConfigurationError, bad);
      }
    });

    it('parses into ASN.1 order with OIDs (RFC 4514 2.1)', () => {
      assert.deepEqual(parseDistinguishedName('CN=a+UID=b,O=c').map((rdn) => rdn.map((a) => [a.type, a.text])), [
        [['2.5.4.10', 'c']],
        [['2.5.4.3', 'a'], ['0.9.2342.19200300.100.1.1', 'b']],
      ]);
      assert.deepEqual(parseDistinguishedName(''), []);
    });

    it('keeps every character of a value, a leading U+FEFF included (only spaces are insignificant, RFC 4514 2.4)', () => {
      assert.equal(parseDistinguishedName('DC=\uFEFF\uFEFFnet')[0]![0]!.text, '\uFEFF\uFEFFnet');
      assert.equal(parseDistinguishedName('CN=\\20a\\20')[0]![0]!.text, ' a ');
    });
  });

  describe('SAN properties (RFC 8705 2.1.2)', () => {
    it('tls_client_auth_san_dns: dNSName equal ignoring ASCII case (RFC 4343)', () => {
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_dns', 'client.example.COM'), true);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_dns', 'other.example.com'), false);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_dns', 'example.com'), false);
    });

    it('tls_client_auth_san_uri: exact, except scheme, host and percent-encoding case (RFC 3986 6.2.2.1)', () => {
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_uri', 'https://client.example.com/Path/%7Euser?q=A'), true);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_uri', 'https://client.example.com/path/%7Euser?q=A'), false);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_uri', 'https://client.example.com/Path/%7Euser?q=a'), false);
    });

    it('tls_client_auth_san_ip: compared as bytes, IPv6 in any textual form (RFC 4291 2.2)', () => {
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_ip', '192.0.2.10'), true);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_ip', '2001:DB8:0:0:0:0:0:1'), true);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_ip', '2001:0db8::0001'), true);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_ip', '::ffff:192.0.2.10'), false);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_ip', '192.0.2.1'), false);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_ip', 'not-an-ip'), false);
    });

    it('tls_client_auth_san_email: local part exact, domain case-insensitive (RFC 5321 2.4)', () => {
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_email', 'Ops.Team@example.com'), true);
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_san_email', 'ops.team@example.com'), false);
    });

    it('matches nothing when the certificate has no SAN of that type', () => {
      assert.equal(subjectMatches(multi.pem, 'tls_client_auth_san_dns', 'svc'), false);
    });
  });

  describe('offeredSubjectValues (the "DN doctor")', () => {
    it('lists what the certificate offers, normalized', () => {
      assert.deepEqual(offeredSubjectValues(cert.pem, 'tls_client_auth_subject_dn'), ['CN=Client  One,OU=Payments,O=Example Bank,C=GB']);
      assert.deepEqual(offeredSubjectValues(cert.pem, 'tls_client_auth_san_dns'), ['client.example.com']);
      assert.deepEqual(offeredSubjectValues(cert.pem, 'tls_client_auth_san_ip'), ['192.0.2.10', '2001:db8::1']);
      assert.deepEqual(offeredSubjectValues(cert.pem, 'tls_client_auth_san_email'), ['Ops.Team@example.com']);
      assert.deepEqual(offeredSubjectValues(cert.pem, 'tls_client_auth_san_uri'), ['https://client.example.com/Path/%7Euser?q=A']);
    });

    it('escapes special characters when printing (RFC 4514 2.4)', async () => {
      const odd = await issue({ subject: 'CN=a\\,b\\+c', issuer: ca });
      const printed = ClientCertificate.from(odd.pem).subjectDn;
      assert.equal(printed, 'CN=a\\,b\\+c');
      assert.equal(dn(odd, printed), true);
    });
  });
});
