import { X509Certificate, createHash } from 'node:crypto';
import { CertificateMalformedError } from '../errors.js';
import { formatDistinguishedName } from './names.js';
import { decodePemCertificates, encodePemCertificate } from './pem.js';
import { profileOf } from './profile.js';
import { assertCertificateDer } from './x509-der.js';

/** What callers may hand in for a certificate: PEM text, DER bytes, or a parsed value. */
export type CertificateInput = string | Uint8Array | X509Certificate | ClientCertificate;

/**
 * One X.509 certificate, parsed once. The DER bytes are the identity; every derived view
 * (Node's `X509Certificate`, the profile, thumbprints) is computed on first use and kept,
 * so a certificate that travels from intake to hooks to token binding is decoded a single time.
 */
export class ClientCertificate {
  /** The DER encoding, exactly as presented. */
  readonly der: Buffer;
  #x509: X509Certificate | undefined;
  #thumbprint: string | undefined;

  private constructor(der: Buffer, x509?: X509Certificate) {
    this.der = der;
    this.#x509 = x509;
  }

  /**
   * Parses one certificate. PEM must hold exactly one CERTIFICATE block and nothing else.
   * @throws {CertificateMalformedError} when the input is not a single well-formed certificate.
   */
  static from(input: CertificateInput): ClientCertificate {
    if (input instanceof ClientCertificate) return input;
    if (input instanceof X509Certificate) {
      // OpenSSL reads BER leniently: its view may already have accepted what DER forbids.
      assertStrictDer(input.raw);
      return new ClientCertificate(input.raw, input);
    }
    let der: Buffer;
    if (typeof input === 'string') {
      const blocks = decodePemCertificates(input);
      if (blocks.length !== 1) {
        throw new CertificateMalformedError(`expected exactly one certificate, found ${blocks.length}`);
      }
      der = blocks[0]!;
    } else {
      der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    }
    assertStrictDer(der);
    const certificate = new ClientCertificate(der);
    certificate.x509; // parse eagerly so malformed bytes fail here, not deep inside a hook
    return certificate;
  }

  /** Parses a PEM bundle (or a list of inputs) into certificates, in order. */
  static list(input: string | readonly CertificateInput[]): ClientCertificate[] {
    if (typeof input === 'string') {
      return decodePemCertificates(input).map((der) => ClientCertificate.from(der));
    }
    return input.map((item) => ClientCertificate.from(item));
  }

  /** Node's view of the certificate (signature checks, public key, dates). */
  get x509(): X509Certificate {
    if (this.#x509 === undefined) {
      try {
        this.#x509 = new X509Certificate(this.der);
      } catch (cause) {
        throw new CertificateMalformedError('the bytes are not a DER-encoded X.509 certificate', { cause });
      }
    }
    return this.#x509;
  }

  /** RFC 8705 section 3.1 `x5t#S256`: base64url SHA-256 of the DER certificate. */
  get thumbprint(): string {
    this.#thumbprint ??= createHash('sha256').update(this.der).digest('base64url');
    return this.#thumbprint;
  }

  /**
   * Base64url SHA-256 of the DER `subjectPublicKeyInfo`: identifies a key, not a name, so a
   * client can be pinned to an anchor that cannot be impersonated by a look-alike subject.
   */
  get spkiSha256(): string {
    return profileOf(this).spkiSha256;
  }

  /** The subject as an RFC 4514 string, e.g. `CN=client,O=Bank,C=GB`. */
  get subjectDn(): string {
    return formatDistinguishedName(profileOf(this).subject.name);
  }

  /** The issuer as an RFC 4514 string. */
  get issuerDn(): string {
    return formatDistinguishedName(profileOf(this).issuer.name);
  }

  /** PEM text of the certificate. */
  toPEM(): string {
    return encodePemCertificate(this.der);
  }
}

/**
 * Strict DER, checked before Node's or @peculiar/asn1-x509's parser reads the bytes: those accept
 * BER forms (long lengths, padded integers and OID arcs, trailing bytes) that would let one
 * certificate be read two ways, and the thumbprint (`x5t#S256`) must name exactly one encoding.
 */
function assertStrictDer(der: Buffer): void {
  try {
    assertCertificateDer(der);
  } catch (cause) {
    throw new CertificateMalformedError(`the certificate is not DER: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Computes a pin: the base64url SHA-256 of the certificate's SubjectPublicKeyInfo (the encoding of
 * `x5t#S256`), for proxy pins (`trustedProxies.certificates`) and `tls_client_auth_anchor_pins`.
 */
export function spkiSha256(certificate: CertificateInput): string {
  return ClientCertificate.from(certificate).spkiSha256;
}
