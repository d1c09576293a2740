// RFC 8705 section 2.1.2 subject matching, each case citing the rule it checks.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { ConfigurationError } from '../../src/errors.js';
import { ClientCertificate, offeredSubjectValues, parseDistinguishedName, subjectMatches } from '../../src/certificate/index.js';
import { escapeValue } from '../../src/certificate/names.js';
import { issue, type TestCertificate } from '../support/pki.js';

/** The lookalike table of docs/validation.md: [case, certificate CN, registered CN, verdict]. */
function lookalikeRows(): [string, string, string, string][] {
  const readme = readFileSync(new URL('../../docs/validation.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('| Case | Certificate `CN`'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  return rows.map((row) => {
    const [label, certificate, registered, verdict] = row.split('|').slice(1).map((cell) => cell.trim());
    const literal = (cell: string) => JSON.parse(cell.replace(/^`|`$/g, '')) as string;
    return [label!, literal(certificate!), literal(registered!), verdict!];
  });
}

/** A subject of single-valued RDNs in ASN.1 order (most significant first), values as given. */
const asn1Order = (...rdns: [string, string | { utf8String: string }][]) => new x509.Name(rdns.map(([type, value]) => ({ [type]: [value] })) as x509.JsonNameParams);

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

  describe('lookalike characters (the docs/validation.md table, RFC 4518 on Unicode 3.2)', () => {
    const rows = lookalikeRows();

    it('the table has its rows', () => {
      assert.ok(rows.length >= 15, `${rows.length} rows`);
    });

    for (const [label, certificateCn, registeredCn, verdict] of rows) {
      it(`${label}: ${verdict}`, async () => {
        const lookalike = await issue({ subject: asn1Order(['2.5.4.10', 'Example Bank'], ['2.5.4.3', { utf8String: certificateCn }]), issuer: ca });
        const matches = dn(lookalike, `CN=${escapeValue(registeredCn)},O=Example Bank`);
        assert.ok(['same', 'different', 'matches nothing'].includes(verdict), verdict);
        assert.equal(matches, verdict === 'same');
        if (verdict === 'matches nothing') assert.equal(dn(lookalike, `CN=${escapeValue(certificateCn)},O=Example Bank`), false, 'not even its own value');
      });
    }
  });

  describe('subjects as the ecosystems issue them (the docs/validation.md table)', () => {
    const shapes: { ecosystem: string; rdns: [string, string][]; byName: string; byOid: string; other: string }[] = [
      {
        ecosystem: 'eIDAS PSD2 QWAC / QSeal',
        rdns: [['2.5.4.6', 'GB'], ['2.5.4.7', 'London'], ['2.5.4.10', 'TPP Ltd'], ['2.5.4.97', 'PSDGB-FCA-123456'], ['2.5.4.3', 'api.tpp.example']],
        byName: 'CN=api.tpp.example,organizationIdentifier=PSDGB-FCA-123456,O=TPP Ltd,L=London,C=GB',
        byOid: '2.5.4.3=API.TPP.EXAMPLE,2.5.4.97=psdgb-fca-123456,2.5.4.10=TPP Ltd,2.5.4.7=London,2.5.4.6=gb',
        other: 'CN=api.tpp.example,organizationIdentifier=PSDGB-FCA-654321,O=TPP Ltd,L=London,C=GB',
      },
      {
        ecosystem: 'Open Banking UK (OBIE-issued)',
        rdns: [['2.5.4.6', 'GB'], ['2.5.4.10', 'OpenBanking'], ['2.5.4.11', '0015800001041REAAY'], ['2.5.4.3', '5r0Xb7RmFzNkhZm3SoMcLf']],
        byName: 'CN=5r0Xb7RmFzNkhZm3SoMcLf,OU=0015800001041REAAY,O=OpenBanking,C=GB',
        byOid: '2.5.4.3=5r0Xb7RmFzNkhZm3SoMcLf,2.5.4.11=0015800001041reaay,2.5.4.10=OpenBanking,2.5.4.6=GB',
        other: 'CN=5r0Xb7RmFzNkhZm3SoMcLf,OU=0015800001041REAAZ,O=OpenBanking,C=GB',
      },
      {
        ecosystem: 'Brazil Open Finance (ICP-Brasil)',
        rdns: [
          ['2.5.4.6', 'BR'], ['2.5.4.8', 'SP'], ['2.5.4.7', 'Sao Paulo'], ['2.5.4.10', 'Banco Exemplo S.A.'], ['2.5.4.5', '12345678000190'],
          ['1.3.6.1.4.1.311.60.2.1.3', 'BR'], ['2.5.4.15', 'Private Organization'], ['2.5.4.11', 'b961c4eb-509d-4edf-afeb-35642b38185d'],
          ['2.5.4.3', 'tpp.example.com.br'], ['0.9.2342.19200300.100.1.1', '2c1b4b5e-6d9c-4e0f-9d0c-1f4b2c6a7e8d'],
        ],
        byName: 'UID=2c1b4b5e-6d9c-4e0f-9d0c-1f4b2c6a7e8d,CN=tpp.example.com.br,OU=b961c4eb-509d-4edf-afeb-35642b38185d,businessCategory=Private Organization,jurisdictionC=BR,serialNumber=12345678000190,O=Banco Exemplo S.A.,L=Sao Paulo,ST=SP,C=BR',
        byOid: '0.9.2342.19200300.100.1.1=2C1B4B5E-6D9C-4E0F-9D0C-1F4B2C6A7E8D,2.5.4.3=tpp.example.com.br,2.5.4.11=b961c4eb-509d-4edf-afeb-35642b38185d,2.5.4.15=private organization,1.3.6.1.4.1.311.60.2.1.3=br,2.5.4.5=12345678000190,2.5.4.10=Banco Exemplo S.A.,2.5.4.7=Sao Paulo,2.5.4.8=SP,2.5.4.6=BR',
        other: 'UID=2c1b4b5e-6d9c-4e0f-9d0c-1f4b2c6a7e8d,CN=tpp.example.com.br,OU=b961c4eb-509d-4edf-afeb-35642b38185d,businessCategory=Private Organization,jurisdictionC=BR,serialNumber=12345678000191,O=Banco Exemplo S.A.,L=Sao Paulo,ST=SP,C=BR',
      },
      {
        ecosystem: 'Australia CDR',
        rdns: [['2.5.4.6', 'AU'], ['2.5.4.10', 'Example Energy Pty Ltd'], ['2.5.4.11', 'brand-8b1c'], ['2.5.4.3', 'software-product-2f7a']],
        byName: 'CN=software-product-2f7a,OU=brand-8b1c,O=Example Energy Pty Ltd,C=AU',
        byOid: '2.5.4.3=Software-Product-2F7A,2.5.4.11=brand-8b1c,2.5.4.10=example energy pty ltd,2.5.4.6=au',
        other: 'CN=software-product-2f7b,OU=brand-8b1c,O=Example Energy Pty Ltd,C=AU',
      },
    ];

    for (const shape of shapes) {
      it(`${shape.ecosystem}: registered by short names and by OIDs matches, another identifier does not`, async () => {
        const issued = await issue({ subject: asn1Order(...shape.rdns), issuer: ca });
        assert.equal(ClientCertificate.from(issued.pem).subjectDn, shape.byName, 'printed as docs/validation.md shows');
        assert.equal(dn(issued, shape.byName), true);
        assert.equal(dn(issued, shape.byOid), true);
        assert.equal(dn(issued, shape.other), false);
      });
    }
  });
});
