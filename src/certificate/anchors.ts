import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '../errors.js';
import { ClientCertificate, type CertificateInput } from './certificate.js';
import { decodePemCertificates } from './pem.js';
import { profileOf } from './profile.js';

/**
 * Where trust anchors come from: PEM text (one or more certificates), DER bytes, a parsed
 * certificate, or `{ file }`, a path to a PEM bundle or a DER certificate read at load time and
 * again on every reload.
 */
export type TrustAnchorSource = CertificateInput | { readonly file: string };

/**
 * An immutable set of trust anchors (RFC 5280 section 6.1.1 d), indexed for path building.
 * Anchors are trusted for their name and key; their own constraints (basic constraints, key
 * usage, name constraints, validity) are applied too, so a CA cannot be trusted beyond its profile.
 */
export class TrustAnchors {
  /** Anchors in configuration order, duplicates removed. */
  readonly certificates: readonly ClientCertificate[];
  /** A digest of the set: equal sets have equal fingerprints (used in verdict cache keys). */
  readonly fingerprint: string;
  readonly #bySubject = new Map<string, ClientCertificate[]>();
  readonly #byThumbprint = new Map<string, ClientCertificate>();

  private constructor(certificates: readonly ClientCertificate[]) {
    const unique: ClientCertificate[] = [];
    for (const certificate of certificates) {
      if (this.#byThumbprint.has(certificate.thumbprint)) continue;
      this.#byThumbprint.set(certificate.thumbprint, certificate);
      unique.push(certificate);
      const profile = profileOf(certificate);
      push(this.#bySubject, profile.subject.key, certificate);
    }
    this.certificates = Object.freeze(unique);
    this.fingerprint = createHash('sha256').update(unique.map((c) => c.thumbprint).sort().join(',')).digest('base64url');
  }

  /**
   * Anchors from values already in memory (PEM text, DER, parsed certificates).
   * @throws {ConfigurationError} naming `path` when an entry is not a certificate.
   */
  static from(inputs: readonly CertificateInput[], path = 'trustAnchors'): TrustAnchors {
    if (!Array.isArray(inputs)) throw new ConfigurationError(`${path} must be an array of certificates`);
    return new TrustAnchors(inputs.flatMap((input, index) => parseAnchor(input, `${path}[${index}]`)));
  }

  /**
   * Anchors from sources that may include files, read now (asynchronously).
   * @throws {ConfigurationError} naming `path` when a file cannot be read or holds no certificate.
   */
  static async load(sources: readonly TrustAnchorSource[], path = 'trustAnchors'): Promise<TrustAnchors> {
    checkSources(sources, path);
    const files = await Promise.all(sources.map(async (source, index) => (isFileSource(source)
      ? readFile(source.file).catch((cause: unknown) => unreadable(source.file, `${path}[${index}]`, cause))
      : undefined)));
    return fromSources(sources, files, path);
  }

  /** Like {@link TrustAnchors.load}, reading files synchronously (for construction at startup). */
  static loadSync(sources: readonly TrustAnchorSource[], path = 'trustAnchors'): TrustAnchors {
    checkSources(sources, path);
    const files = sources.map((source, index) => {
      if (!isFileSource(source)) return undefined;
      try {
        return readFileSync(source.file);
      } catch (cause) {
        return unreadable(source.file, `${path}[${index}]`, cause);
      }
    });
    return fromSources(sources, files, path);
  }

  /** Anchors whose subject matches `issuerKey` (a {@link nameKey}). */
  withSubject(issuerKey: string): readonly ClientCertificate[] {
    return this.#bySubject.get(issuerKey) ?? [];
  }

  /** Whether this exact certificate is an anchor. */
  has(certificate: ClientCertificate): boolean {
    return this.#byThumbprint.has(certificate.thumbprint);
  }
}

function checkSources(sources: readonly TrustAnchorSource[], path: string): void {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new ConfigurationError(`${path} must be a non-empty array of certificates (PEM, DER) or { file } entries`);
  }
}

function unreadable(file: string, where: string, cause: unknown): never {
  throw new ConfigurationError(`${where}.file ${JSON.stringify(file)} could not be read`, { cause });
}

function fromSources(sources: readonly TrustAnchorSource[], files: readonly (Buffer | undefined)[], path: string): TrustAnchors {
  return TrustAnchors.from(sources.flatMap((source, index) => {
    const bytes = files[index];
    if (bytes === undefined) return parseAnchor(source, `${path}[${index}]`);
    const text = bytes.toString('latin1');
    return parseAnchor(text.includes('-----BEGIN') ? text : bytes, `${path}[${index}].file`);
  }), path);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function isFileSource(source: TrustAnchorSource): source is { file: string } {
  return typeof source === 'object' && source !== null && 'file' in source && typeof source.file === 'string';
}

function parseAnchor(input: unknown, where: string): ClientCertificate[] {
  try {
    if (typeof input === 'string') return decodePemCertificates(input).map((der) => checked(ClientCertificate.from(der)));
    return [checked(ClientCertificate.from(input as CertificateInput))];
  } catch (cause) {
    throw new ConfigurationError(`${where} is not a certificate: ${(cause as Error).message}`, { cause });
  }
}

function checked(certificate: ClientCertificate): ClientCertificate {
  profileOf(certificate); // decode now so a malformed anchor fails at configuration time
  return certificate;
}
