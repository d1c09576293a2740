// Throwaway PKI for tests: every key and certificate is generated at test time, in memory.
import 'reflect-metadata';
import { webcrypto, X509Certificate as NodeX509, createPrivateKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;

export type KeyAlgorithm = 'P-256' | 'P-384' | 'RSA-2048' | 'RSA-1024' | 'Ed25519';

export interface TestCertificate {
  /** PEM of the certificate. */
  readonly pem: string;
  /** DER of the certificate. */
  readonly der: Buffer;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  readonly key: KeyObject;
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
  readonly x509: NodeX509;
  /** PEM of the intermediates between this certificate and its root (empty for a root or a certificate a root issued). */
  readonly chainPem: string;
  /** Subject DN as @peculiar/x509 prints it. */
  readonly subject: string;
}

export interface IssueOptions {
  /** Subject DN, e.g. `CN=client,O=Bank`, or a name built exactly (types, string types, RDN order). */
  subject: string | x509.Name;
  /** Signing CA; omitted for a self-signed certificate. */
  issuer?: TestCertificate;
  ca?: boolean;
  pathLength?: number;
  keyAlgorithm?: KeyAlgorithm;
  /** KeyUsage flags; default: CA `keyCertSign | cRLSign`, leaf `digitalSignature`. `null` omits it. */
  keyUsage?: number | null;
  /** Extended key usages (OIDs); default for leaves: clientAuth. `null` omits the extension. */
  eku?: string[] | null;
  /** Subject alternative names. */
  sans?: x509.JsonGeneralName[];
  notBefore?: Date;
  notAfter?: Date;
  /** Extra extensions, appended as given. */
  extensions?: x509.Extension[];
  /** Hash for the signature; default SHA-256. */
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-384';
  serialNumber?: string;
  /** Omit the subject/authority key identifier extensions. */
  noKeyIdentifiers?: boolean;
}

export const OID = {
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

export const KeyUsage = x509.KeyUsageFlags;

function keyParams(alg: KeyAlgorithm): { generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm; sign: (hash: string) => Algorithm | EcdsaParams } {
  switch (alg) {
    case 'P-256':
    case 'P-384':
      return { generate: { name: 'ECDSA', namedCurve: alg }, sign: (hash) => ({ name: 'ECDSA', hash } as EcdsaParams) };
    case 'RSA-2048':
    case 'RSA-1024':
      return {
        generate: {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: alg === 'RSA-2048' ? 2048 : 1024,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        sign: (hash) => ({ name: 'RSASSA-PKCS1-v1_5', hash } as unknown as Algorithm),
      };
    case 'Ed25519':
      return { generate: { name: 'Ed25519' }, sign: () => ({ name: 'Ed25519' }) };
  }
}

// `options.subject` is an RFC 4514 string, which lists RDNs most specific first, the reverse of
// their ASN.1 order (RFC 4514 section 2.1); @peculiar/x509 keeps the written order, so reverse it.
function encodeName(dn: string | x509.Name): x509.Name {
  return derSetOrder(typeof dn === 'string' ? new x509.Name(new x509.Name(dn).toJSON().reverse()) : dn);
}

// @peculiar/x509 keeps a multi-valued RDN's values as written, where DER (X.690 11.6) sorts them by
// their encodings, as a CA's encoder does and as the package requires: sort them (set semantics
// are unchanged; each value keeps its string type).
function derSetOrder(name: x509.Name): x509.Name {
  const encoding = (value: AttributeTypeAndValue): Buffer => Buffer.from(AsnConvert.serialize(value));
  const rdns = AsnConvert.parse(name.toArrayBuffer(), Name)
    .map((rdn) => new RelativeDistinguishedName([...rdn].sort((a, b) => Buffer.compare(encoding(a), encoding(b)))));
  return new x509.Name(AsnConvert.serialize(new Name(rdns)));
}

/** Issues a certificate: a CA, an intermediate, a leaf, or a self-signed one. */
export async function issue(options: IssueOptions): Promise<TestCertificate> {
  const alg = options.keyAlgorithm ?? 'P-256';
  const params = keyParams(alg);
  const keys = await webcrypto.subtle.generateKey(params.generate as EcKeyGenParams, true, ['sign', 'verify']) as CryptoKeyPair;
  const signer = options.issuer;
  const signerAlg = signer ? (signer.keys.privateKey.algorithm as { name: string }).name : undefined;
  const hash = options.hash ?? 'SHA-256';
  const signingAlgorithm = signer
    ? (signerAlg === 'ECDSA' ? { name: 'ECDSA', hash } : signerAlg === 'Ed25519' ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5', hash })
    : params.sign(hash);
  const isCa = options.ca ?? false;
  const extensions: x509.Extension[] = [];
  if (isCa) {
    extensions.push(new x509.BasicConstraintsExtension(true, options.pathLength, true));
  }
  const keyUsage = options.keyUsage === undefined
    ? (isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature)
    : options.keyUsage;
  if (keyUsage !== null) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  const eku = options.eku === undefined ? (isCa ? null : [OID.clientAuth]) : options.eku;
  if (eku !== null) extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
  if (options.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(options.sans, false));
  if (!options.noKeyIdentifiers) {
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
    if (signer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey));
  }
  extensions.push(...(options.extensions ?? []));
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 24 * 3600_000);
  const serialNumber = options.serialNumber ?? `01${Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex')}`;
  const cert = signer
    ? await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: encodeName(options.subject),
      issuer: signer.cert.subject,
      notBefore,
      notAfter,
      signingAlgorithm,
      publicKey: keys.publicKey,
      signingKey: signer.keys.privateKey,
      extensions,
    })
    : await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber,
      name: encodeName(options.subject),
      notBefore,
      notAfter,
      signingAlgorithm,
      keys,
      extensions,
    });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const der = Buffer.from(cert.rawData);
  const chainPem = signer && signer.cert.subject !== signer.cert.issuer ? signer.pem + signer.chainPem : '';
  return {
    chainPem,
    pem: cert.toString('pem') + '\n',
    der,
    keyPem,
    key: createPrivateKey(keyPem),
    keys,
    cert,
    x509: new NodeX509(der),
    subject: cert.subject,
  };
}

export interface TestPki {
  /** Root CA (trust anchor). */
  root: TestCertificate;
  /** Intermediate CA under the root. */
  intermediate: TestCertificate;
  /** TLS server certificate for localhost / 127.0.0.1, issued by the root. */
  server: TestCertificate;
  /** Client certificate A, issued by the intermediate (CN=client-a). */
  clientA: TestCertificate;
  /** Client certificate B, issued by the intermediate (CN=client-b). */
  clientB: TestCertificate;
  /** Self-signed client certificate (CN=self-signed). */
  selfSigned: TestCertificate;
}

/** A root, an intermediate, a localhost server certificate and three client certificates. */
export async function createTestPki(): Promise<TestPki> {
  const root = await issue({ subject: 'CN=Test Root CA,O=oidc-provider-mtls tests', ca: true });
  const intermediate = await issue({ subject: 'CN=Test Issuing CA,O=oidc-provider-mtls tests', ca: true, issuer: root, pathLength: 0 });
  const server = await issue({
    subject: 'CN=localhost',
    issuer: root,
    eku: [OID.serverAuth],
    sans: [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }],
  });
  const clientA = await issue({
    subject: 'CN=client-a,O=Example Bank,C=GB',
    issuer: intermediate,
    sans: [{ type: 'dns', value: 'client-a.example.com' }, { type: 'email', value: 'ops@client-a.example.com' }],
  });
  const clientB = await issue({ subject: 'CN=client-b,O=Example Bank,C=GB', issuer: intermediate });
  const selfSigned = await issue({ subject: 'CN=self-signed' });
  return { root, intermediate, server, clientA, clientB, selfSigned };
}
