import type { IncomingMessage } from 'node:http';
import type { ClientCertificate } from '../certificate/certificate.js';
import { HeaderMalformedError, MtlsError } from '../errors.js';

/** A certificate as it arrived on one request: the leaf, and whatever chain came with it. */
export interface PresentedCertificate {
  readonly leaf: ClientCertificate;
  /** Untrusted intermediates sent along with the leaf, in the order received (may be empty). */
  readonly chain: readonly ClientCertificate[];
  /** Name of the source that produced it, e.g. `socket` or `client-cert`. */
  readonly source: string;
}

/**
 * What a source found on a request.
 * - `certificate`: a certificate to use.
 * - `none`: the request carries no certificate for this source.
 * - `refused`: something was there but must not be believed or could not be decoded; the request
 *   continues without a certificate and the error is reported.
 */
export type IntakeResult =
  | { readonly kind: 'certificate'; readonly certificate: PresentedCertificate }
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly error: MtlsError };

/**
 * Where certificates come from. The provider plugin and the resource-server verifier take the
 * same sources, so a deployment describes its TLS termination once.
 */
export interface CertificateSource {
  readonly name: string;
  read(req: IncomingMessage): IntakeResult | Promise<IntakeResult>;
}

export const NONE: IntakeResult = Object.freeze({ kind: 'none' } as const);

/**
 * Reads a request through a source, turning anything it throws into a coded refusal: a source
 * failure must cost the request its certificate, never the process or a 500.
 */
export async function readCertificate(source: CertificateSource, req: IncomingMessage): Promise<IntakeResult> {
  try {
    return await source.read(req);
  } catch (cause) {
    if (cause instanceof MtlsError) return { kind: 'refused', error: cause };
    return {
      kind: 'refused',
      error: new HeaderMalformedError(`certificate source "${source.name}" failed to read the request`, { cause }),
    };
  }
}
