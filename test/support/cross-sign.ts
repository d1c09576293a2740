// The other half of a cross-signed pair: a CA's name and key certified by another CA, generated at
// test time like everything in test/support/pki.ts.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { KeyUsage, type TestCertificate } from './pki.js';

/** `subject`'s name and key, certified by `issuer` (an EC CA); PEM. */
export async function crossSign(subject: TestCertificate, issuer: TestCertificate): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `02${Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex')}`,
    subject: subject.cert.subject,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: subject.keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(KeyUsage.keyCertSign | KeyUsage.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(subject.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return `${cert.toString('pem')}\n`;
}
