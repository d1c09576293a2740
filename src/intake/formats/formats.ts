import { createHash } from 'node:crypto';
import { HeaderMalformedError } from '../../errors.js';
import { decodeBase64 } from './base64.js';
import { decodePemText, decodeSinglePem } from './pem-text.js';
import { percentDecode } from './percent.js';
import { parseByteSequenceItem, parseByteSequenceList } from './structured-field.js';
import { parseXfcc, xfccValue } from './xfcc.js';

/** Header conventions this package decodes; see the README table for each proxy's configuration. */
export type HeaderFormat =
  | 'rfc9440'
  | 'nginx'
  | 'nginx-legacy'
  | 'xfcc'
  | 'aws-alb'
  | 'aws-alb-verify'
  | 'traefik'
  | 'haproxy'
  | 'apache'
  | 'caddy'
  | 'azure'
  | 'cloudflare';

/** What a format decoder hands back: DER of the leaf, then DER of the chain that came with it. */
export interface DecodedHeader {
  readonly leaf: Buffer;
  readonly chain: readonly Buffer[];
}

/** Inputs every decoder receives; values are already size-checked and free of control characters. */
export interface DecodeContext {
  /** Header name, for messages. */
  readonly what: string;
  /** Most certificates accepted after the leaf. */
  readonly maxChainLength: number;
  /** The companion chain header value, for formats that have one (RFC 9440). */
  readonly chain: string | undefined;
  /** XFCC element to use, counted from the end (1 = last). */
  readonly xfccElement: number;
}

interface FormatSpec {
  /** Default request header (lowercase). */
  readonly header: string;
  /** Default companion chain header, when the format has one. */
  readonly chainHeader?: string;
  /** Whether several header lines form one list (joined with `,`) instead of being refused. */
  readonly list: boolean;
  /** Values a proxy sends to say "no client certificate", besides an absent or empty header. */
  readonly absent?: readonly string[];
  decode(value: string, context: DecodeContext): DecodedHeader;
}

/** Proxies that each append an XFCC element; more than this many hops is not a real deployment. */
const MAX_XFCC_ELEMENTS = 32;

const leafOnly = (leaf: Buffer): DecodedHeader => ({ leaf, chain: [] });

function splitChain(blocks: readonly Buffer[], what: string): DecodedHeader {
  const [leaf, ...chain] = blocks;
  if (leaf === undefined) throw new HeaderMalformedError(`${what} holds no certificate`);
  return { leaf, chain };
}

/** Base64 DER with no armour: HAProxy `ssl_c_der,base64`, Caddy, Azure, Cloudflare. */
const base64Der = (header: string): FormatSpec => ({
  header,
  list: false,
  decode: (value, { what }) => leafOnly(decodeBase64(value, what)),
});

/** The leaf alone, as URL-encoded PEM: nginx `$ssl_client_escaped_cert`, AWS ALB verify mode. */
const urlEncodedPemLeaf = (header: string): FormatSpec => ({
  header,
  list: false,
  decode: (value, { what }) => leafOnly(decodeSinglePem(percentDecode(value, what), what)),
});

/** URL-encoded (or, for Apache, space-flattened) PEM. */
function pemValue(value: string, what: string): string {
  return value.includes('%') ? percentDecode(value, what) : value;
}

export const FORMATS: Readonly<Record<HeaderFormat, FormatSpec>> = Object.freeze({
  // RFC 9440 sections 2.2 and 2.3: an sf-binary item, and an sf-list of them for the chain.
  rfc9440: {
    header: 'client-cert',
    chainHeader: 'client-cert-chain',
    list: false,
    decode: (value, { what, chain, maxChainLength }) => ({
      leaf: parseByteSequenceItem(value, what),
      chain: chain === undefined ? [] : parseByteSequenceList(chain, `${what} chain`, maxChainLength),
    }),
  },
  // nginx $ssl_client_escaped_cert: the leaf as URL-encoded PEM.
  nginx: urlEncodedPemLeaf('x-ssl-client-cert'),
  // nginx $ssl_client_cert (deprecated): PEM whose lines after the first start with a tab, i.e.
  // folded header lines; unfolded by the receiver they arrive as tabs (or spaces).
  'nginx-legacy': {
    header: 'x-ssl-client-cert',
    list: false,
    decode: (value, { what }) => leafOnly(decodeSinglePem(value.replace(/\r?\n\t/g, '\n'), what)),
  },
  // Envoy / Istio: see parseXfcc; Cert is the URL-encoded PEM leaf, Chain the URL-encoded PEM
  // chain including the leaf, Hash the hex SHA-256 of the leaf DER.
  xfcc: {
    header: 'x-forwarded-client-cert',
    list: true,
    decode: (value, context) => decodeXfcc(value, context),
  },
  // AWS ALB mTLS passthrough: the whole chain, leaf first, as URL-encoded PEM with `+`, `=` and
  // `/` left unescaped.
  'aws-alb': {
    header: 'x-amzn-mtls-clientcert',
    list: false,
    decode: (value, { what, maxChainLength }) =>
      splitChain(decodePemText(percentDecode(value, what), what, maxChainLength + 1), what),
  },
  // AWS ALB mTLS verify mode: X-Amzn-Mtls-Clientcert-Leaf, the leaf alone in the same encoding
  // (the ALB checked the chain against its trust store); a second certificate there is refused.
  'aws-alb-verify': urlEncodedPemLeaf('x-amzn-mtls-clientcert-leaf'),
  // Traefik PassTLSClientCert `pem: true`: each certificate's base64 DER (PEM without armour and
  // line breaks), comma-separated, leaf first; older releases URL-escaped the whole value.
  traefik: {
    header: 'x-forwarded-tls-client-cert',
    list: false,
    decode: (value, { what, maxChainLength }) => {
      const parts = percentDecode(value, what).split(',');
      if (parts.length > maxChainLength + 1) {
        throw new HeaderMalformedError(`${what} has more than ${maxChainLength + 1} certificates`, { code: 'ERR_MTLS_HEADER_TOO_LARGE' });
      }
      return splitChain(parts.map((part) => decodeBase64(part, what)), what);
    },
  },
  haproxy: base64Der('x-ssl-client-cert'),
  // Apache httpd `RequestHeader set X-SSL-Client-Cert "%{SSL_CLIENT_CERT}s"`: PEM whose line
  // breaks mod_headers turned into spaces, or URL-encoded with `expr=%{escape:...}`. An unset
  // variable expands to "(null)".
  apache: {
    header: 'x-ssl-client-cert',
    list: false,
    absent: ['(null)'],
    decode: (value, { what }) => leafOnly(decodeSinglePem(pemValue(value, what), what)),
  },
  caddy: base64Der('x-client-cert'),
  azure: base64Der('x-arr-clientcert'),
  // Cloudflare Access `client_certificate_forwarding`; Cloudflare's RFC 9440 transform-rule fields
  // (cf.tls_client_auth.cert_rfc9440) are read with the `rfc9440` format instead.
  cloudflare: base64Der('cf-client-cert-der-base64'),
});

function decodeXfcc(value: string, context: DecodeContext): DecodedHeader {
  const { what, maxChainLength, xfccElement } = context;
  const elements = parseXfcc(value, what, Math.max(xfccElement, MAX_XFCC_ELEMENTS));
  const element = elements[elements.length - xfccElement];
  if (element === undefined) {
    throw new HeaderMalformedError(`${what} has ${elements.length} element(s), fewer than the ${xfccElement} expected`);
  }
  const cert = xfccValue(element, 'cert');
  const chainText = xfccValue(element, 'chain');
  if (cert === undefined && chainText === undefined) {
    throw new HeaderMalformedError(`${what}: the element has no Cert or Chain (enable them in forward_client_cert_details)`);
  }
  const chain = chainText === undefined ? [] : decodePemText(percentDecode(chainText, what), what, maxChainLength + 1);
  let decoded: DecodedHeader;
  if (cert === undefined) {
    decoded = splitChain(chain, what);
  } else {
    const leaf = decodeSinglePem(percentDecode(cert, what), what);
    const [first, ...rest] = chain;
    if (first !== undefined && !first.equals(leaf)) {
      throw new HeaderMalformedError(`${what}: Chain does not start with the Cert`);
    }
    decoded = { leaf, chain: rest };
  }
  const hash = xfccValue(element, 'hash');
  if (hash !== undefined && hash.toLowerCase() !== createHash('sha256').update(decoded.leaf).digest('hex')) {
    throw new HeaderMalformedError(`${what}: Hash does not match the certificate`);
  }
  return decoded;
}
