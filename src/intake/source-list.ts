import type { IncomingMessage } from 'node:http';
import { ConfigurationError } from '../errors.js';
import { headerSource, proxyTrustOf, type HeaderSourceOptions } from './header-source.js';
import { socketSource } from './socket.js';
import { NONE, readCertificate, type CertificateSource, type IntakeResult } from './source.js';

/** One way to name a source in options: `'socket'`, header source options, or a source. */
export type CertificateSourceSpec = 'socket' | HeaderSourceOptions | CertificateSource;

/**
 * Combines sources into one, keeping the proxy rules that a plain "first that finds anything"
 * loop would break:
 * - a request from a proxy that authenticates for one of the header sources is read from the
 *   header sources only: the proxy's own TLS client certificate (used to authenticate the hop)
 *   or an absent header never lets a socket certificate stand in for the client's;
 * - a request from anyone else that carries a certificate header is refused
 *   (`ERR_MTLS_PROXY_UNTRUSTED`) even if its TLS connection has a certificate, so a forged header
 *   is always reported and a header and a socket certificate are never mixed on one request;
 * - otherwise the other sources are tried in order; the first that finds anything decides.
 */
export function sourceList(sources: readonly CertificateSource[]): CertificateSource {
  const list = Object.freeze([...sources]);
  const headers = list.filter((source) => proxyTrustOf(source) !== undefined);
  const others = list.filter((source) => proxyTrustOf(source) === undefined);
  return Object.freeze({
    name: list.map((source) => source.name).join('|'),
    async read(req: IncomingMessage): Promise<IntakeResult> {
      const fromProxy = headers.some((source) => proxyTrustOf(source)!.authenticate(req).trusted);
      for (const source of headers) {
        const result = await readCertificate(source, req);
        if (result.kind !== 'none') return result;
      }
      if (fromProxy) return NONE;
      for (const source of others) {
        const result = await readCertificate(source, req);
        if (result.kind !== 'none') return result;
      }
      return NONE;
    },
  });
}

/**
 * Turns the `certificateSource` option into one source: `'socket'`, header source options
 * (`{ format, trustedProxies, ... }`), a source, or a non-empty list of these (see
 * {@link sourceList}). Validates everything at construction, naming `path` in messages.
 */
export function resolveCertificateSource(
  option: CertificateSourceSpec | readonly CertificateSourceSpec[],
  path = 'certificateSource',
): CertificateSource {
  if (!Array.isArray(option)) return resolveOne(option as CertificateSourceSpec, path);
  if (option.length === 0) throw new ConfigurationError(`${path} must not be an empty list`);
  const sources = option.map((item: CertificateSourceSpec, index) => resolveOne(item, `${path}[${index}]`));
  return sources.length === 1 ? sources[0]! : sourceList(sources);
}

function resolveOne(spec: CertificateSourceSpec, path: string): CertificateSource {
  if (spec === 'socket') return socketSource();
  if (spec !== null && typeof spec === 'object') {
    if ('read' in spec && typeof spec.read === 'function' && typeof spec.name === 'string') return spec;
    if ('format' in spec) return headerSource(spec, path);
  }
  throw new ConfigurationError(`${path} must be 'socket', header source options ({ format, trustedProxies }) or a certificate source`);
}
