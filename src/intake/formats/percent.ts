import { HeaderMalformedError } from '../../errors.js';

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Percent-decodes (RFC 3986 section 2.1) a value whose decoded form must be ASCII text, such as
 * URL-encoded PEM. `+` stays `+`: these producers escape for a URL path or keep `+` as a literal
 * base64 character (AWS ALB lists `+` among its safe characters), so reading it as a space, as
 * form decoding would, corrupts the certificate.
 */
export function percentDecode(text: string, what: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (char !== '%') {
      out += char;
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!HEX.test(hex)) throw new HeaderMalformedError(`${what} has an invalid percent escape`);
    const code = Number.parseInt(hex, 16);
    // Only PEM text is expected: printable ASCII plus the line breaks the escaping protects.
    if (code > 0x7e || (code < 0x20 && code !== 0x0a && code !== 0x0d)) {
      throw new HeaderMalformedError(`${what} decodes to a control or non-ASCII character (%${hex})`);
    }
    out += String.fromCharCode(code);
    i += 2;
  }
  return out;
}
