import type { IncomingMessage } from 'node:http';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { ClientCertificate } from '../certificate/certificate.js';
import { CertificateMalformedError, type MtlsError } from '../errors.js';
import { NONE, type CertificateSource, type IntakeResult } from './source.js';

/** The most certificates read from one TLS peer chain; a longer chain is cut, not walked forever. */
const MAX_CHAIN = 10;

/**
 * Reads the client certificate of a direct TLS connection. The listener must be created with
 * `requestCert: true` and `rejectUnauthorized: false`, so that a bad certificate reaches us and
 * gets an OAuth error instead of a TLS alert the client cannot act on.
 */
export function socketSource(): CertificateSource {
  return { name: 'socket', read: readSocket };
}

function readSocket(req: IncomingMessage): IntakeResult {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return NONE;
  const peer = socket.getPeerCertificate(true);
  if (!peer?.raw) return NONE;
  try {
    const leaf = ClientCertificate.from(peer.raw);
    return { kind: 'certificate', certificate: { leaf, chain: peerChain(peer), source: 'socket' } };
  } catch (error) {
    return { kind: 'refused', error: error as MtlsError };
  }
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
