import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { decodeDer } from './schema.js';

/** Which algorithms path validation accepts. */
export interface AlgorithmPolicy {
  /**
   * Accept SHA-1 signatures (on certificates, CRLs and OCSP responses). Default `false`:
   * SHA-1 collisions are practical (SHAttered, 2017). MD2 and MD5 are never accepted.
   */
  readonly allowSha1: boolean;
  /** Smallest RSA modulus in bits. Default 2048 (NIST SP 800-131A). */
  readonly minRsaBits: number;
}

export const DEFAULT_ALGORITHM_POLICY: AlgorithmPolicy = Object.freeze({ allowSha1: false, minRsaBits: 2048 });

interface SignatureScheme {
  readonly hash: string | null;
  readonly family: 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa';
  readonly weak?: 'sha1' | 'broken';
}

const SCHEMES: Record<string, SignatureScheme> = {
  '1.2.840.113549.1.1.2': { hash: 'md2', family: 'rsa', weak: 'broken' },
  '1.2.840.113549.1.1.4': { hash: 'md5', family: 'rsa', weak: 'broken' },
  '1.2.840.113549.1.1.5': { hash: 'sha1', family: 'rsa', weak: 'sha1' },
  '1.2.840.113549.1.1.14': { hash: 'sha224', family: 'rsa' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', family: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', family: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', family: 'rsa' },
  '1.2.840.113549.1.1.10': { hash: null, family: 'rsa-pss' },
  '1.2.840.10045.4.1': { hash: 'sha1', family: 'ecdsa', weak: 'sha1' },
  '1.2.840.10045.4.3.1': { hash: 'sha224', family: 'ecdsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', family: 'ecdsa' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', family: 'ecdsa' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', family: 'ecdsa' },
  '1.3.101.112': { hash: null, family: 'eddsa' },
  '1.3.101.113': { hash: null, family: 'eddsa' },
};

const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Named curves accepted for EC keys (NIST P-256, P-384, P-521). */
const CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Outcome of a signature check: `weak` means the algorithm itself is refused by policy. */
type SignatureCheck = 'valid' | 'invalid' | { weak: string };

/**
 * Verifies `signature` over `data` with `key`, under the AlgorithmIdentifier `algorithm` (DER),
 * refusing algorithms the policy rules out before doing any cryptography.
 */
export function verifySignature(
  data: Buffer,
  algorithm: Buffer,
  signature: Buffer,
  key: KeyObject,
  policy: AlgorithmPolicy,
): SignatureCheck {
  let identifier: AlgorithmIdentifier;
  try {
    // A handful of fixed encodings, each decoded once (decodeDer remembers them).
    identifier = decodeDer(algorithm, AlgorithmIdentifier, 'AlgorithmIdentifier');
  } catch {
    return 'invalid';
  }
  const oid = identifier.algorithm;
  const scheme = SCHEMES[oid];
  if (scheme === undefined) return { weak: `unsupported signature algorithm ${oid}` };
  if (scheme.weak === 'broken') return { weak: `the ${scheme.hash?.toUpperCase()} signature algorithm is broken` };
  if (scheme.weak === 'sha1' && !policy.allowSha1) return { weak: 'SHA-1 signatures are not accepted' };
  try {
    if (scheme.family === 'rsa-pss') {
      const pss = decodePssParams(identifier.parameters);
      if (pss.hash === 'sha1' && !policy.allowSha1) return { weak: 'SHA-1 signatures are not accepted' };
      return cryptoVerify(pss.hash, data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: pss.saltLength }, signature) ? 'valid' : 'invalid';
    }
    if (scheme.family === 'ecdsa' && key.asymmetricKeyType !== 'ec') return 'invalid';
    if (scheme.family === 'rsa' && key.asymmetricKeyType !== 'rsa') return 'invalid';
    return cryptoVerify(scheme.hash, data, key, signature) ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}

// RFC 4055 section 3.1 RSASSA-PSS-params; the schema supplies the SHA-1 defaults of absent fields.
function decodePssParams(parameters: ArrayBuffer | null | undefined): { hash: string; saltLength: number } {
  const params = parameters ? decodeDer(Buffer.from(parameters), RsaSaPssParams, 'RSASSA-PSS-params') : new RsaSaPssParams();
  return { hash: HASH_OIDS[params.hashAlgorithm.algorithm] ?? 'unsupported', saltLength: params.saltLength };
}

const keys = new WeakMap<Buffer, KeyObject | Error>();

/** The public key of a DER SubjectPublicKeyInfo, or an Error when Node cannot use it. */
export function publicKeyOf(spki: Buffer): KeyObject | Error {
  let key = keys.get(spki);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    } catch (cause) {
      key = new Error('the public key could not be decoded', { cause });
    }
    keys.set(spki, key);
  }
  return key;
}

/** Why a public key is too weak for the policy, or `undefined` when it is acceptable. */
export function weakKeyReason(key: KeyObject, policy: AlgorithmPolicy): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      if (bits < policy.minRsaBits) return `an RSA key of ${bits} bits is below the minimum of ${policy.minRsaBits}`;
      // Odd sizes come from broken generators (CA/Browser Forum BR 6.1.5 requires multiples of 8).
      if (bits % 8 !== 0) return `an RSA key of ${bits} bits is not a multiple of 8 bits`;
      return undefined;
    }
    case 'ec':
      return CURVES.has(details.namedCurve ?? '') ? undefined : `the EC curve ${details.namedCurve ?? '(explicit parameters)'} is not accepted`;
    case 'ed25519':
    case 'ed448':
      return undefined;
    default:
      return `${key.asymmetricKeyType ?? 'unknown'} keys are not accepted`;
  }
}
