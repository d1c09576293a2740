import type { IncomingMessage } from 'node:http';
import { ConfigurationError, HeaderMalformedError, MtlsError, ProxyUntrustedError } from '../errors.js';
import { DecodedHeaders } from './decoded-headers.js';
import { headerLines } from './header-lines.js';
import { FORMATS, type HeaderFormat } from './formats/formats.js';
import { HEADER_FORMATS, parseClientCertificateHeader, resolveLimits, type CustomHeaderDecoder, type ParseHeaderOptions } from './parse.js';
import { ProxyTrust, type TrustedProxyOptions } from './proxy/trust.js';
import { numberOption, onlyKnownKeys } from '../util/options.js';
import { NONE, type CertificateSource, type IntakeResult, type PresentedCertificate } from './source.js';

/** Options of {@link headerSource}. */
export interface HeaderSourceOptions {
  /** The header convention of the proxy in front (see the README table). */
  format: HeaderFormat | 'custom';
  /**
   * Request header carrying the certificate, case-insensitive.
   * @default the format's conventional header, e.g. `client-cert` for `rfc9440`; required for `custom`
   */
  header?: string;
  /**
   * Request header carrying the chain, for `rfc9440`.
   * @default `client-cert-chain` for `rfc9440`, none otherwise
   */
  chainHeader?: string;
  /** Who may send the header. Required: without it the source refuses to start. */
  trustedProxies: TrustedProxyOptions;
  /** The decoder, required for `format: 'custom'`. */
  decode?: CustomHeaderDecoder;
  /** @see ParseHeaderOptions.maxLength @default 16384 */
  maxLength?: number;
  /** @see ParseHeaderOptions.maxChainLength @default 8 */
  maxChainLength?: number;
  /** @see ParseHeaderOptions.xfccElement @default 1 */
  xfccElement?: number;
  /**
   * How many decoded header values to keep, so a client's certificate is decoded once, not on
   * every request (a `custom` decoder must therefore be a pure function of the header values).
   * Each entry keeps the header values it was decoded from, to compare them in full: a few KB.
   * @default 10000
   */
  cacheSize?: number;
}

/** Header sources and their proxy trust, for {@link sourceList}; never exposed on the source. */
const trustOf = new WeakMap<CertificateSource, ProxyTrust>();

/** The proxy trust of a header source made by {@link headerSource}, if `source` is one. */
export function proxyTrustOf(source: CertificateSource): ProxyTrust | undefined {
  return trustOf.get(source);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const HEADER_SOURCE_KEYS: readonly (keyof HeaderSourceOptions)[] = [
  'format', 'header', 'chainHeader', 'trustedProxies', 'decode', 'maxLength', 'maxChainLength', 'xfccElement', 'cacheSize',
];

/**
 * A certificate source that reads a proxy's client certificate header, believed only from a
 * proxy that passes `trustedProxies`. From anyone else a present header is ignored and the
 * request is refused with `ERR_MTLS_PROXY_UNTRUSTED` (someone may be probing); the TLS
 * connection's own certificate is never used by this source.
 *
 * @param path the option's name in messages, e.g. `certificateSource` or `certificateSource[1]`.
 * @throws {ConfigurationError} at construction, when an option is missing or wrong.
 */
export function headerSource(options: HeaderSourceOptions, path = 'certificateSource'): CertificateSource {
  if (options === null || typeof options !== 'object') throw new ConfigurationError(`${path} must be an object`);
  onlyKnownKeys(options, HEADER_SOURCE_KEYS, path);
  const { format } = options;
  if (!HEADER_FORMATS.includes(format)) {
    throw new ConfigurationError(`${path}.format must be one of ${HEADER_FORMATS.join(', ')}`);
  }
  const spec = format === 'custom' ? undefined : FORMATS[format];
  const header = headerName(options.header ?? spec?.header, `${path}.header`);
  const chainHeader = options.chainHeader === undefined && spec?.chainHeader === undefined
    ? undefined
    : headerName(options.chainHeader ?? spec?.chainHeader, `${path}.chainHeader`);
  if (format === 'custom' && typeof options.decode !== 'function') {
    throw new ConfigurationError(`${path}.decode must be a function (value: string) => certificate(s) for the custom format`);
  }
  const trust = new ProxyTrust(options.trustedProxies, `${path}.trustedProxies`);
  const parseOptions: ParseHeaderOptions = resolveLimits(options, path);
  if (options.decode !== undefined) parseOptions.decode = options.decode;
  const absent = new Set(['', ...spec?.absent ?? []]);
  // Looking a certificate up in the set would hash all of it: only values this short can be one.
  const longestAbsent = Math.max(...[...absent].map((text) => text.length));
  const name = format === 'custom' ? `header:${header}` : format;

  const cacheSize = numberOption(options.cacheSize, 10_000, `${path}.cacheSize`, { exclusive: true, integer: true });
  const decoded = new DecodedHeaders(cacheSize);

  function read(req: IncomingMessage): IntakeResult {
    const value = headerLines(req, header);
    const chain = chainHeader === undefined ? undefined : headerLines(req, chainHeader);
    if (value === undefined && chain === undefined) return NONE;
    const verdict = trust.authenticate(req);
    if (!verdict.trusted) {
      return { kind: 'refused', error: new ProxyUntrustedError(`the ${header} header was ignored: ${verdict.reason}`) };
    }
    if (value === undefined) {
      return { kind: 'refused', error: new HeaderMalformedError(`the ${chainHeader} header came without the ${header} header`) };
    }
    const only = value.length === 1 ? value[0]!.trim() : undefined;
    if (only !== undefined && only.length <= longestAbsent && absent.has(only)) return NONE;
    // A proxy sends the same header on every request of a client: decode each value once.
    const now = Date.now();
    const known = decoded.get(value, chain, now);
    if (known !== undefined) return { kind: 'certificate', certificate: known };
    try {
      const { leaf, chain: intermediates } = parseClientCertificateHeader(format, value, { ...parseOptions, chain });
      const certificate: PresentedCertificate = { leaf, chain: intermediates, source: name };
      decoded.set(value, chain, certificate, Date.parse(leaf.x509.validTo), now);
      return { kind: 'certificate', certificate };
    } catch (cause) {
      const error = cause instanceof MtlsError ? cause : new HeaderMalformedError(`the ${header} header could not be decoded`, { cause });
      return { kind: 'refused', error };
    }
  }

  const source: CertificateSource = Object.freeze({ name, read });
  trustOf.set(source, trust);
  return source;
}

function headerName(value: unknown, path: string): string {
  if (typeof value !== 'string' || !HEADER_NAME.test(value)) {
    throw new ConfigurationError(`${path} must be an HTTP header name, e.g. "x-client-cert"`);
  }
  return value.toLowerCase();
}
