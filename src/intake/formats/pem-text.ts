import { decodePemCertificates } from '../../certificate/pem.js';
import { CertificateMalformedError, HeaderMalformedError } from '../../errors.js';

/**
 * Decodes PEM text carried in a header into DER blocks, in order. `limit` is checked on the
 * number of `-----BEGIN ` markers before any block is decoded, so a header stuffed with
 * thousands of blocks costs one scan. Keys, CSRs, CRLs and text outside the blocks are refused
 * by the strict PEM decoder.
 */
export function decodePemText(text: string, what: string, limit: number): Buffer[] {
  const blocks = text.split('-----BEGIN ').length - 1;
  if (blocks > limit) {
    throw new HeaderMalformedError(`${what} has more than ${limit} PEM blocks`, { code: 'ERR_MTLS_HEADER_TOO_LARGE' });
  }
  try {
    return decodePemCertificates(text);
  } catch (cause) {
    if (!(cause instanceof CertificateMalformedError)) throw cause;
    throw new HeaderMalformedError(`${what}: ${cause.message}`, { cause });
  }
}

/** Exactly one PEM certificate, for formats that carry the leaf alone. */
export function decodeSinglePem(text: string, what: string): Buffer {
  if (text.split('-----BEGIN ').length > 2) {
    throw new HeaderMalformedError(`${what} must hold exactly one certificate`);
  }
  return decodePemText(text, what, 1)[0]!;
}
