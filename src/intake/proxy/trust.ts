import { createHash, timingSafeEqual, type X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ClientCertificate } from '../../certificate/certificate.js';
import { ConfigurationError } from '../../errors.js';
import { AddressSet } from './addresses.js';
import { headerLines } from '../header-lines.js';
import { onlyKnownKeys } from '../../util/options.js';

/**
 * How a header source recognises the proxy it may believe. Every check that is configured must
 * pass; at least one of `addresses`, `certificates` and `sharedSecret` is required.
 */
export interface TrustedProxyOptions {
  /**
   * Networks the proxy connects from, as CIDR strings (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1/32`).
   * The connection's peer address must be in one of them. IPv4 networks match IPv4-mapped IPv6
   * peers too.
   * @default undefined (not checked)
   */
  addresses?: readonly string[];
  /**
   * SHA-256 of the SubjectPublicKeyInfo of the client certificate the proxy presents on its TLS
   * connection to us, base64url like `tls_client_auth_anchor_pins` (compute it with
   * {@link spkiSha256}; 64 hex digits or padded base64 are read too). The proxy
   * proves the key in the TLS handshake, so a pin needs no CA. That certificate authenticates the
   * proxy only: it is never taken for the client's certificate.
   * @default undefined (not checked)
   */
  certificates?: readonly string[];
  /**
   * A header the proxy sets to a secret value, compared in constant time. Use a long random value
   * and make the proxy overwrite the header on every request.
   * @default undefined (not checked)
   */
  sharedSecret?: { readonly header: string; readonly value: string };
  /**
   * Trusted proxies between the TLS-terminating proxy and us, each appending the address it
   * received from to `X-Forwarded-For`. With `n`, the last `n` entries must be in `addresses`
   * too (the first of them is the proxy that terminated TLS). Never read by default.
   * @default 0
   */
  forwardedForHops?: number;
}

/** The verdict on one request: whether its peer is the trusted proxy, and if not, why. */
type ProxyVerdict = { readonly trusted: true } | { readonly trusted: false; readonly reason: string };

const TRUSTED: ProxyVerdict = Object.freeze({ trusted: true });

/** The same digest as a trust anchor pin: over the certificate's own SPKI bytes. */
function spkiDigest(certificate: ClientCertificate): Buffer {
  return Buffer.from(certificate.spkiSha256, 'base64url');
}

/** Validated proxy trust, checked on every request that carries a certificate header. */
export class ProxyTrust {
  readonly #addresses: AddressSet | undefined;
  readonly #pins: readonly Buffer[] | undefined;
  readonly #secret: { header: string; digest: Buffer } | undefined;
  readonly #hops: number;

  constructor(options: TrustedProxyOptions | undefined, path: string) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(`${path} must be set to authenticate the proxy: { addresses } (trusted CIDRs), { certificates } (SPKI SHA-256 pins of the proxy's client certificate) and/or { sharedSecret: { header, value } }`);
    }
    onlyKnownKeys(options, ['addresses', 'certificates', 'sharedSecret', 'forwardedForHops'], path);
    const { addresses, certificates, sharedSecret, forwardedForHops = 0 } = options;
    if (addresses === undefined && certificates === undefined && sharedSecret === undefined) {
      throw new ConfigurationError(`${path} must set at least one of addresses, certificates or sharedSecret; a certificate header is never believed from an unauthenticated peer`);
    }
    this.#addresses = addresses === undefined ? undefined : new AddressSet(addresses, `${path}.addresses`);
    this.#pins = certificates === undefined ? undefined : parsePins(certificates, `${path}.certificates`);
    this.#secret = sharedSecret === undefined ? undefined : parseSecret(sharedSecret, `${path}.sharedSecret`);
    if (!Number.isSafeInteger(forwardedForHops) || forwardedForHops < 0) {
      throw new ConfigurationError(`${path}.forwardedForHops must be a non-negative integer`);
    }
    if (forwardedForHops > 0 && this.#addresses === undefined) {
      throw new ConfigurationError(`${path}.forwardedForHops needs ${path}.addresses to check the forwarded addresses against`);
    }
    this.#hops = forwardedForHops;
  }

  /**
   * Whether the request's peer is the trusted proxy. Never throws. Not kept per request: each
   * check is a lookup (addresses and pins are remembered per address and per connection), cheaper
   * than keeping a verdict in a WeakMap for every request.
   */
  authenticate(req: IncomingMessage): ProxyVerdict {
    const peer = req.socket?.remoteAddress;
    if (this.#addresses !== undefined) {
      if (!this.#addresses.has(peer)) return { trusted: false, reason: `the peer address ${peer ?? '(unknown)'} is not a trusted proxy` };
      if (this.#hops > 0) {
        const entries = (headerLines(req, 'x-forwarded-for') ?? []).join(',').split(',').map((entry) => entry.trim());
        const hops = entries.length >= this.#hops ? entries.slice(-this.#hops) : undefined;
        if (hops === undefined || !hops.every((entry) => this.#addresses!.has(entry))) {
          return { trusted: false, reason: `the last ${this.#hops} X-Forwarded-For entries are not all trusted proxies` };
        }
      }
    }
    if (this.#pins !== undefined) {
      const digest = peerSpkiDigest(req);
      if (digest === undefined) return { trusted: false, reason: 'the peer presented no TLS client certificate' };
      if (digest === NOT_DER) return { trusted: false, reason: 'the peer\'s TLS client certificate is not DER' };
      if (!this.#pins.some((pin) => timingSafeEqual(pin, digest))) {
        return { trusted: false, reason: 'the peer\'s TLS client certificate key is not a pinned proxy key' };
      }
    }
    if (this.#secret !== undefined) {
      const values = headerLines(req, this.#secret.header) ?? [];
      const digest = createHash('sha256').update(values.length === 1 ? values[0]! : '').digest();
      if (values.length !== 1 || !timingSafeEqual(digest, this.#secret.digest)) {
        return { trusted: false, reason: `the ${this.#secret.header} header does not carry the shared secret` };
      }
    }
    return TRUSTED;
  }
}

/** SPKI digests per TLS connection: a keep-alive connection hashes its peer key once. */
const socketDigests = new WeakMap<object, Buffer | null>();

function peerSpkiDigest(req: IncomingMessage): Buffer | undefined {
  const socket = req.socket as Partial<TLSSocket> | undefined;
  if (socket === undefined || typeof socket.getPeerX509Certificate !== 'function') return undefined;
  let digest = socketDigests.get(socket);
  if (digest === undefined) {
    const x509 = socket.getPeerX509Certificate();
    digest = x509 === undefined ? null : peerCertificateDigest(x509);
    socketDigests.set(socket, digest);
  }
  return digest ?? undefined;
}

/** Stands for a peer certificate that is not DER (ClientCertificate.from refuses it): no pin matches. */
const NOT_DER = Buffer.alloc(0);

// authenticate() never throws: a certificate it cannot read makes the proxy untrusted, with the reason.
function peerCertificateDigest(x509: X509Certificate): Buffer {
  try {
    return spkiDigest(ClientCertificate.from(x509));
  } catch {
    return NOT_DER;
  }
}

function parsePins(pins: readonly string[], path: string): Buffer[] {
  if (!Array.isArray(pins) || pins.length === 0) {
    throw new ConfigurationError(`${path} must be a non-empty array of SPKI SHA-256 pins (base64url; see spkiSha256())`);
  }
  return pins.map((pin: unknown, index) => {
    const text = typeof pin === 'string' ? pin.trim() : '';
    const bytes = /^[0-9a-fA-F]{64}$/.test(text)
      ? Buffer.from(text, 'hex')
      : /^[A-Za-z0-9+/_-]{43}=?$/.test(text) ? Buffer.from(text.replace(/=$/, ''), 'base64url') : undefined;
    if (bytes?.length !== 32) {
      throw new ConfigurationError(`${path}[${index}] must be a SHA-256 SPKI pin: 43 base64url characters (see spkiSha256())`);
    }
    return bytes;
  });
}

function parseSecret(secret: { header: string; value: string }, path: string): { header: string; digest: Buffer } {
  if (secret === null || typeof secret !== 'object') throw new ConfigurationError(`${path} must be an object { header, value }`);
  onlyKnownKeys(secret, ['header', 'value'], path);
  const { header, value } = secret;
  if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new ConfigurationError(`${path}.header must be an HTTP header name`);
  }
  if (typeof value !== 'string' || value.length < 16) {
    throw new ConfigurationError(`${path}.value must be a string of at least 16 characters (a long random secret)`);
  }
  // Hashing both sides gives equal-length buffers, so the comparison time does not leak the length.
  return { header: header.toLowerCase(), digest: createHash('sha256').update(value).digest() };
}
