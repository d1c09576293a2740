import { createHash, type X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ClientCertificate } from '../certificate/certificate.js';
import type { MtlsError } from '../errors.js';
import { numberOption, onlyKnownKeys, optionsObject } from '../util/options.js';
import { Cache } from '../util/cache.js';
import { NONE, type CertificateSource, type IntakeResult, type PresentedCertificate } from './source.js';

/** The most certificates read from one TLS peer chain; a longer chain is cut, not walked forever. */
const MAX_CHAIN = 10;

/** Options of {@link socketSource}. */
export interface SocketSourceOptions {
  /**
   * How many client certificates (with the chain of their last full handshake) to keep parsed
   * across connections, for new connections and resumed TLS sessions (see below).
   * @default 10000
   */
  cacheSize?: number;
}

interface SocketEntry {
  /** The handshake's Finished message: a renegotiation changes it, and with it the certificate. */
  readonly finished: Buffer | undefined;
  readonly result: IntakeResult;
}

/**
 * Reads the client certificate of a direct TLS connection. The listener must be created with
 * `requestCert: true` and `rejectUnauthorized: false` (see `createMtlsServer`), so that a bad
 * certificate reaches us and gets an OAuth error instead of a TLS alert the client cannot act on.
 *
 * The certificate is read once per TLS connection (again only after a renegotiation) and parsed
 * once per certificate across connections. A resumed TLS session (a TLS 1.3 ticket or a TLS 1.2
 * session ID) carries the client's leaf but not the intermediates it sent in the full handshake,
 * so the source supplies, per leaf, the chain of its last full handshake (bounded, until the leaf
 * expires). The intermediates stay untrusted input: path validation checks them as always.
 */
export function socketSource(options: SocketSourceOptions = {}): CertificateSource {
  onlyKnownKeys(optionsObject(options, 'socketSource() options'), ['cacheSize'], '', 'socketSource');
  const cacheSize = numberOption(options.cacheSize, 10_000, 'socketSource() cacheSize', { exclusive: true, integer: true });
  const known = new Cache<PresentedCertificate>(cacheSize);
  const sockets = new WeakMap<object, SocketEntry>();
  return {
    name: 'socket',
    read(req: IncomingMessage): IntakeResult {
      const socket = req.socket as Partial<TLSSocket>;
      if (typeof socket.getPeerX509Certificate !== 'function') return NONE;
      const finished = socket.getFinished?.();
      const entry = sockets.get(socket);
      if (entry !== undefined && sameBytes(entry.finished, finished)) return entry.result;
      const result = readPeer(socket as TLSSocket, known);
      sockets.set(socket, { finished, result });
      return result;
    },
  };
}

function readPeer(socket: TLSSocket, known: Cache<PresentedCertificate>): IntakeResult {
  // The X509Certificate view costs a fraction of getPeerCertificate(true), which converts every
  // field of every certificate in the chain to JavaScript.
  const peer = socket.getPeerX509Certificate();
  if (peer === undefined) return NONE;
  try {
    const now = Date.now();
    const raw = peer.raw;
    const key = createHash('sha256').update(raw).digest('base64url');
    const previous = known.get(key, now);
    const sent = peerChain(peer);
    let certificate: PresentedCertificate;
    if (previous !== undefined && (sameChain(previous.chain, sent) || (sent.length === 0 && socket.isSessionReused()))) {
      certificate = previous;
    } else {
      const leaf = previous?.leaf ?? ClientCertificate.from(peer);
      certificate = { leaf, chain: sent.map((der) => ClientCertificate.from(der)), source: 'socket' };
      // A leaf-only handshake must not replace the chain a resumed session may still need.
      if (sent.length > 0 || previous === undefined) known.set(key, certificate, Date.parse(leaf.x509.validTo), now);
    }
    return { kind: 'certificate', certificate };
  } catch (error) {
    return { kind: 'refused', error: error as MtlsError };
  }
}

/** The DER of the intermediates OpenSSL linked above the leaf, in order. */
function peerChain(peer: X509Certificate): Buffer[] {
  const chain: Buffer[] = [];
  let current = peer;
  // A self-signed certificate is its own issuer; stop there and at the cap.
  for (let next = current.issuerCertificate; next !== undefined && chain.length < MAX_CHAIN; next = current.issuerCertificate) {
    const der = next.raw;
    if (der.equals(current.raw)) break;
    chain.push(der);
    current = next;
  }
  return chain;
}

function sameChain(parsed: readonly ClientCertificate[], sent: readonly Buffer[]): boolean {
  return parsed.length === sent.length && parsed.every((certificate, index) => certificate.der.equals(sent[index]!));
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.equals(b);
}
