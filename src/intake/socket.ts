import type { IncomingMessage } from 'node:http';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { ClientCertificate } from '../certificate/certificate.js';
import { CertificateMalformedError, type MtlsError } from '../errors.js';
import { ExpiringLru } from '../util/expiring-lru.js';
import { NONE, type CertificateSource, type IntakeResult } from './source.js';

/** The most certificates read from one TLS peer chain; a longer chain is cut, not walked forever. */
const MAX_CHAIN = 10;

/** Options of {@link socketSource}. */
export interface SocketSourceOptions {
  /**
   * How many client chains to remember for resumed TLS sessions (see below).
   * @default 10000
   */
  resumedChains?: number;
}

/**
 * Reads the client certificate of a direct TLS connection. The listener must be created with
 * `requestCert: true` and `rejectUnauthorized: false` (see `createMtlsServer`), so that a bad
 * certificate reaches us and gets an OAuth error instead of a TLS alert the client cannot act on.
 *
 * A resumed TLS session (a TLS 1.3 ticket or a TLS 1.2 session ID) carries the client's leaf
 * certificate but not the intermediates it sent in the full handshake, so the source remembers,
 * per leaf, the chain of its last full handshake (bounded, until the leaf expires) and supplies it
 * on resumption. The intermediates stay untrusted input: path validation checks them as always.
 */
export function socketSource(options: SocketSourceOptions = {}): CertificateSource {
  const chains = new ExpiringLru<readonly ClientCertificate[]>(options.resumedChains ?? 10_000);
  return {
    name: 'socket',
    read(req: IncomingMessage): IntakeResult {
      const socket = req.socket as Partial<TLSSocket>;
      if (typeof socket.getPeerCertificate !== 'function') return NONE;
      const peer = socket.getPeerCertificate(true);
      if (!peer?.raw) return NONE;
      try {
        const leaf = ClientCertificate.from(peer.raw);
        let chain: readonly ClientCertificate[] = peerChain(peer);
        const now = Date.now();
        if (chain.length > 0) {
          chains.set(leaf.thumbprint, chain, Date.parse(leaf.x509.validTo), now);
        } else if (socket.isSessionReused?.()) {
          chain = chains.get(leaf.thumbprint, now) ?? [];
        }
        return { kind: 'certificate', certificate: { leaf, chain, source: 'socket' } };
      } catch (error) {
        return { kind: 'refused', error: error as MtlsError };
      }
    },
  };
}

function peerChain(peer: DetailedPeerCertificate): ClientCertificate[] {
  const chain: ClientCertificate[] = [];
  let current = peer;
  // Node links a self-signed certificate to itself; stop there and at the cap.
  while (current.issuerCertificate && current.issuerCertificate !== current && chain.length < MAX_CHAIN) {
    current = current.issuerCertificate;
    if (!current.raw) break;
    try {
      chain.push(ClientCertificate.from(current.raw));
    } catch (error) {
      if (!(error instanceof CertificateMalformedError)) throw error;
      break;
    }
  }
  return chain;
}
