import { ClientCertificate, type CertificateInput } from '../certificate/certificate.js';
import { ConfigurationError, HeaderMalformedError, MtlsError } from '../errors.js';
import { FORMATS, type DecodeContext, type DecodedHeader, type HeaderFormat } from './formats/formats.js';
import { numberOption } from '../util/options.js';

/**
 * A user decoder for the `custom` format: gets the header value (size-checked, free of control
 * characters) and returns the leaf, or the leaf followed by its chain, as PEM, DER or parsed
 * certificates. Throwing refuses the header.
 */
export type CustomHeaderDecoder = (value: string) => CertificateInput | readonly CertificateInput[];

/** Header value(s) as received: one string, or one string per header line. */
export type HeaderValue = string | readonly string[];

export interface ParseHeaderOptions {
  /**
   * The companion chain header's value(s): `Client-Cert-Chain` for `rfc9440` (RFC 9440 section 2.3).
   * @default undefined (no chain)
   */
  chain?: HeaderValue | undefined;
  /**
   * Most characters accepted in the header value (and, separately, in the chain header value).
   * A longer value is refused with `ERR_MTLS_HEADER_TOO_LARGE` before it is decoded.
   * @default 16384
   */
  maxLength?: number;
  /**
   * Most certificates accepted after the leaf. More is refused with `ERR_MTLS_HEADER_TOO_LARGE`.
   * @default 8
   */
  maxChainLength?: number;
  /**
   * For `xfcc`: which element holds the client's certificate, counted from the end. Each proxy
   * appends one element describing the peer that connected to it, so `1` (the last element) is
   * the one written by the proxy nearest to us. Use `2` when a sidecar behind the TLS-terminating
   * gateway appends its own element (Istio `APPEND_FORWARD`), and so on.
   * @default 1
   */
  xfccElement?: number;
  /** The decoder, required for the `custom` format. */
  decode?: CustomHeaderDecoder;
}

/** A decoded header: the client's certificate and the (untrusted) chain that came with it. */
export interface ParsedCertificateHeader {
  readonly leaf: ClientCertificate;
  /** Intermediates as forwarded, for path building only; never trusted for being here. */
  readonly chain: readonly ClientCertificate[];
}

const DEFAULT_MAX_LENGTH = 16384;
const DEFAULT_MAX_CHAIN_LENGTH = 8;

/** Every format name accepted by {@link parseClientCertificateHeader}. */
export const HEADER_FORMATS: readonly (HeaderFormat | 'custom')[] = Object.freeze([...Object.keys(FORMATS) as HeaderFormat[], 'custom']);

/**
 * Decodes a client certificate header in one of the supported proxy formats, strictly: a size
 * cap, no NUL/CR/LF or non-ASCII characters, exactly one leaf, nothing but certificates, no
 * trailing bytes after any DER certificate, a chain length cap.
 *
 * @throws {HeaderMalformedError} `ERR_MTLS_HEADER_MALFORMED` or `ERR_MTLS_HEADER_TOO_LARGE`.
 * @throws {ConfigurationError} for an unknown format or invalid options (a programming error).
 */
export function parseClientCertificateHeader(
  format: HeaderFormat | 'custom',
  value: HeaderValue,
  options: ParseHeaderOptions = {},
): ParsedCertificateHeader {
  const { maxLength, maxChainLength, xfccElement } = resolveLimits(options, 'options');
  if (format === 'custom') {
    if (typeof options.decode !== 'function') throw new ConfigurationError('the custom format needs a decode function');
    return fromCustom(options.decode, prepare(value, { format, what: 'the certificate header', list: false, maxLength }), maxChainLength);
  }
  const spec = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
  if (spec === undefined) {
    throw new ConfigurationError(`unknown certificate header format ${JSON.stringify(format)}; expected one of ${HEADER_FORMATS.join(', ')}`);
  }
  const what = `the ${spec.header} header`;
  const text = prepare(value, { format, what, list: spec.list, maxLength });
  const chainWhat = `the ${spec.chainHeader ?? 'chain'} header`;
  // An empty list is a valid RFC 8941 List (Cloudflare sends "" when there are no intermediates).
  const chain = options.chain === undefined ? undefined : prepare(options.chain, { format, what: chainWhat, list: true, maxLength, empty: true }) || undefined;
  const context: DecodeContext = { what, maxChainLength, chain, xfccElement };
  return toCertificates(spec.decode(text, context), what, maxChainLength);
}

const FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f-\uffff]/;

/** Joins header lines, then applies the checks every format shares, before any decoding. */
function prepare(value: HeaderValue, how: { format: string; what: string; list: boolean; maxLength: number; empty?: boolean }): string {
  const { what, maxLength } = how;
  const lines = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(lines) && typeof value !== 'string') throw new HeaderMalformedError(`${what} is not a string`);
  if (lines.length === 0 && !how.empty) throw new HeaderMalformedError(`${what} is empty`);
  if (!how.list && lines.length > 1) throw new HeaderMalformedError(`${what} appears ${lines.length} times; exactly one is allowed`);
  let length = 0;
  for (const line of lines) {
    if (typeof line !== 'string') throw new HeaderMalformedError(`${what} is not a string`);
    length += line.length;
  }
  if (length > maxLength) {
    throw new HeaderMalformedError(`${what} is longer than ${maxLength} characters`, { code: 'ERR_MTLS_HEADER_TOO_LARGE' });
  }
  const text = lines.join(',').replace(/^[ \t]+|[ \t]+$/g, '');
  // The deprecated nginx variable folds its lines (LF, then a tab); nothing else may break a line.
  const checked = how.format === 'nginx-legacy' ? text.replace(/\r?\n\t/g, '\t') : text;
  const bad = FORBIDDEN.exec(checked);
  if (bad) {
    const code = bad[0].charCodeAt(0);
    const name = code === 0 ? 'NUL' : code === 0x0d ? 'CR' : code === 0x0a ? 'LF' : `U+${code.toString(16).padStart(4, '0')}`;
    throw new HeaderMalformedError(`${what} contains a forbidden character (${name})`);
  }
  if (text === '' && !how.empty) throw new HeaderMalformedError(`${what} is empty`);
  return text;
}

function fromCustom(decode: CustomHeaderDecoder, text: string, maxChainLength: number): ParsedCertificateHeader {
  let decoded: CertificateInput | readonly CertificateInput[];
  try {
    decoded = decode(text);
  } catch (cause) {
    if (cause instanceof HeaderMalformedError) throw cause;
    throw new HeaderMalformedError('the custom decoder refused the certificate header', { cause });
  }
  const [leaf, ...chain] = Array.isArray(decoded) ? decoded as readonly CertificateInput[] : [decoded as CertificateInput];
  if (leaf === undefined) throw new HeaderMalformedError('the custom decoder returned no certificate');
  return toCertificates({ leaf, chain }, 'the certificate header', maxChainLength);
}

function toCertificates(
  decoded: { readonly leaf: CertificateInput; readonly chain: readonly CertificateInput[] } | DecodedHeader,
  what: string,
  maxChainLength: number,
): ParsedCertificateHeader {
  if (decoded.chain.length > maxChainLength) {
    throw new HeaderMalformedError(`${what} carries more than ${maxChainLength} chain certificates`, { code: 'ERR_MTLS_HEADER_TOO_LARGE' });
  }
  return {
    leaf: certificate(decoded.leaf, what),
    chain: decoded.chain.map((item) => certificate(item, `a chain certificate in ${what}`)),
  };
}

/** One certificate; `ClientCertificate.from` refuses anything but exactly one DER certificate. */
function certificate(input: CertificateInput, what: string): ClientCertificate {
  try {
    return ClientCertificate.from(input);
  } catch (cause) {
    const reason = cause instanceof MtlsError ? cause.message : 'not an X.509 certificate';
    throw new HeaderMalformedError(`${what} does not hold a certificate: ${reason}`, { cause });
  }
}

/** Validates the numeric options, naming them under `path`; shared with the header source. */
export function resolveLimits(options: ParseHeaderOptions, path: string): { maxLength: number; maxChainLength: number; xfccElement: number } {
  return {
    maxLength: numberOption(options.maxLength, DEFAULT_MAX_LENGTH, `${path}.maxLength`, { exclusive: true, integer: true }),
    maxChainLength: numberOption(options.maxChainLength, DEFAULT_MAX_CHAIN_LENGTH, `${path}.maxChainLength`, { integer: true }),
    xfccElement: numberOption(options.xfccElement, 1, `${path}.xfccElement`, { exclusive: true, integer: true }),
  };
}
