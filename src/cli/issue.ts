import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { ClientCertificate } from '../certificate/certificate.js';

/** ecdsa-with-SHA256 (RFC 5758 section 3.2): parameters absent. */
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
/** Attribute types of the development names, with the string type each takes (RFC 5280 appendix A). */
const ATTRIBUTE = { C: ['2.5.4.6', 'printableString'], O: ['2.5.4.10', 'utf8String'], CN: ['2.5.4.3', 'utf8String'] } as const;

/** A key pair and the certificate issued for it. */
export interface Issued {
  readonly certificate: ClientCertificate;
  readonly key: KeyObject;
  /** Subject key identifier, for the authority key identifier of what it signs. */
  readonly keyId: Buffer;
}

interface IssueRequest {
  /** Attributes in RDN order (most significant first), e.g. `[['C', 'GB'], ['O', 'Dev'], ['CN', 'root']]`. */
  readonly subject: readonly (readonly [keyof typeof ATTRIBUTE, string])[];
  /** The signing CA; a self-signed certificate without it. */
  readonly issuer?: Issued;
  readonly ca?: { readonly pathLength?: number };
  readonly eku?: 'clientAuth' | 'serverAuth';
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly days: number;
  readonly now: Date;
}

function nameOf(subject: IssueRequest['subject']): Name {
  return new Name(subject.map(([type, value]) => {
    const [oid, stringType] = ATTRIBUTE[type];
    return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value: new AttributeValue({ [stringType]: value }) })]);
  }));
}

function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/**
 * Issues one development certificate: a P-256 key, a random positive serial, and the
 * extensions RFC 5280 expects for a CA, a TLS server or a TLS client. Not for production use:
 * the keys are written unencrypted by `pki dev`.
 */
export function issue(request: IssueRequest): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const publicKeyInfo = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  // RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits, as openssl computes it.
  const keyId = createHash('sha1').update(Buffer.from(publicKeyInfo.subjectPublicKey)).digest();
  const name = nameOf(request.subject);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f | 0x01; // positive and without a leading zero octet (DER INTEGER)
  const notBefore = new Date(request.now.getTime() - 60_000);
  const notAfter = new Date(request.now.getTime() + request.days * 86_400_000);

  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints(request.ca ? { cA: true, ...(request.ca.pathLength === undefined ? {} : { pathLenConstraint: request.ca.pathLength }) } : {})),
    extension(id_ce_keyUsage, true, new KeyUsage(request.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId)),
  ];
  if (request.issuer) {
    extensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(request.issuer.keyId) })));
  }
  if (request.eku) {
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([request.eku === 'clientAuth' ? id_kp_clientAuth : id_kp_serverAuth])));
  }
  const alternativeNames = [
    ...(request.dns ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(request.ips ?? []).map((ip) => new GeneralName({ iPAddress: ip })),
  ];
  if (alternativeNames.length) extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(alternativeNames)));

  const signature = new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength) as ArrayBuffer,
    signature,
    issuer: request.issuer ? AsnConvert.parse(request.issuer.certificate.der, Certificate).tbsCertificate.subject : name,
    validity: new Validity({ notBefore, notAfter }),
    subject: name,
    subjectPublicKeyInfo: publicKeyInfo,
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signingKey = request.issuer?.key ?? privateKey;
  const value = sign('sha256', tbsDer, signingKey); // ECDSA-Sig-Value in DER, as X.509 carries it
  const der = AsnConvert.serialize(new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: signature,
    signatureValue: value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer,
  }));
  // Through the engine's strict parser: what is written is what the provider will accept.
  return { certificate: ClientCertificate.from(new Uint8Array(der)), key: privateKey, keyId };
}
