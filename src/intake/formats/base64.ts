import { HeaderMalformedError } from '../../errors.js';

const ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * Strict standard base64 (RFC 4648 section 4), never base64url and never with whitespace.
 * `padding: 'optional'` follows RFC 8941 section 3.3.5, whose parsers should not fail on missing
 * `=` padding; everywhere else the producers pad, so missing padding means a cut value.
 */
export function decodeBase64(text: string, what: string, padding: 'required' | 'optional' = 'required'): Buffer {
  const unpadded = text.replace(/={1,2}$/, '');
  const padded = unpadded.length !== text.length;
  if (!ALPHABET.test(unpadded)) {
    throw new HeaderMalformedError(`${what} is not valid base64`);
  }
  const rest = unpadded.length % 4;
  const complete = padded || padding === 'required' ? text.length % 4 === 0 : rest !== 1;
  if (!complete || rest === 1) {
    throw new HeaderMalformedError(`${what} is not valid base64 (wrong length or padding)`);
  }
  return Buffer.from(unpadded, 'base64');
}
