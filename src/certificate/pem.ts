import { CertificateMalformedError } from '../errors.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * Decodes every PEM block of `text` into DER and refuses anything that is not a certificate:
 * a private key, a CSR or a CRL pasted where a certificate belongs must never be half-accepted.
 * Text outside the blocks is refused too, so trailing garbage cannot ride along.
 */
export function decodePemCertificates(text: string): Buffer[] {
  const blocks: Buffer[] = [];
  let consumed = 0;
  let outside = '';
  for (const match of text.matchAll(BLOCK)) {
    const [whole, label, body = ''] = match;
    outside += text.slice(consumed, match.index);
    consumed = match.index + whole.length;
    if (label !== 'CERTIFICATE') {
      throw new CertificateMalformedError(`expected a CERTIFICATE PEM block, found ${label}`);
    }
    if (!BASE64_BODY.test(body)) {
      throw new CertificateMalformedError('the PEM block is not valid base64');
    }
    const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    if (der.length === 0) {
      throw new CertificateMalformedError('the PEM block is empty');
    }
    blocks.push(der);
  }
  outside += text.slice(consumed);
  if (/-----BEGIN /.test(outside)) {
    throw new CertificateMalformedError('the PEM text has an unterminated or mismatched block');
  }
  if (outside.trim() !== '') {
    throw new CertificateMalformedError('the PEM text has content outside its CERTIFICATE blocks');
  }
  if (blocks.length === 0) {
    throw new CertificateMalformedError('no CERTIFICATE PEM block found');
  }
  return blocks;
}

/** Encodes DER as one PEM CERTIFICATE block with 64-character lines. */
export function encodePemCertificate(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
