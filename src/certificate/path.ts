import type { CertificateRejectionCode } from '../errors.js';
import { publicKeyOf, verifySignature, weakKeyReason, type AlgorithmPolicy } from './algorithms.js';
import type { TrustAnchors } from './anchors.js';
import type { ClientCertificate } from './certificate.js';
import { childrenOf, decodeOid, parseTlv } from './der.js';
import { checkNameConstraints, malformedName, type NameConstraintSet } from './name-constraints.js';
import { processPolicies, type PolicySettings } from './policies.js';
import { EXT, KEY_USAGE, profileOf, type CertificateProfile } from './profile.js';

/** Purposes a leaf may be validated for. */
export type Purpose = 'clientAuth' | 'any';

/** Everything path building needs, already validated. */
export interface PathContext {
  readonly anchors: TrustAnchors;
  readonly intermediates: readonly ClientCertificate[];
  /** Validation time, epoch milliseconds. */
  readonly time: number;
  /** Clock tolerance in milliseconds. */
  readonly tolerance: number;
  readonly purpose: Purpose;
  readonly algorithms: AlgorithmPolicy;
  /** Most intermediates a path may hold (self-issued ones not counted). */
  readonly maxIntermediates: number;
  /** SPKI SHA-256 digests of the anchors this validation may end at; all when undefined. */
  readonly allowedAnchors?: ReadonlySet<string>;
  /** Certificate policy inputs (RFC 5280 section 6.1.1 c, e, f, g). */
  readonly policies: PolicySettings;
  /** Refuse a CA whose basicConstraints is not marked critical (RFC 5280 4.2.1.9, stricter than 6.1.4 k). */
  readonly requireCriticalBasicConstraints: boolean;
  /** Check the anchor's own validity period (stricter than RFC 5280 6.1.1 d, where an anchor is a name and a key). */
  readonly checkAnchorValidity: boolean;
}

export interface Failure {
  readonly code: CertificateRejectionCode;
  readonly message: string;
}

/**
 * A validated path: `chain` is leaf first, then intermediates; the anchor comes separately.
 * `policies` is the user-constrained policy set (see {@link processPolicies}).
 */
export interface ValidPath {
  readonly chain: readonly ClientCertificate[];
  readonly anchor: ClientCertificate;
  readonly policies: readonly string[];
}

const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const OID_ANY_EKU = '2.5.29.37.0';
// Path building explores alternatives (cross-signatures, re-keyed CAs); this bounds the
// signature checks a hostile set of intermediates can make us do.
const MAX_SIGNATURE_CHECKS = 64;

/**
 * Extensions this validator processes; a critical extension outside this set rejects the
 * certificate (RFC 5280 section 4.2). The four policy extensions are processed by section 6.1's
 * policy algorithm ({@link processPolicies}).
 */
const RECOGNIZED = new Set<string>([
  EXT.basicConstraints, EXT.keyUsage, EXT.extKeyUsage, EXT.subjectAltName, EXT.nameConstraints,
  EXT.certificatePolicies, EXT.policyMappings, EXT.policyConstraints, EXT.inhibitAnyPolicy,
  EXT.subjectKeyIdentifier, EXT.authorityKeyIdentifier,
  EXT.crlDistributionPoints, EXT.authorityInfoAccess, EXT.issuerAltName, EXT.freshestCrl,
]);
// RFC 5280 4.2.1.1, 4.2.1.2, 4.2.2.1: conforming CAs mark these non-critical.
const MUST_BE_NON_CRITICAL = [EXT.authorityKeyIdentifier, EXT.subjectKeyIdentifier, EXT.authorityInfoAccess];

/**
 * Builds and validates a path from `leaf` to a trust anchor (RFC 5280 section 6.1), trying
 * candidate issuers in order (anchors first, then key-identifier matches) and backtracking on
 * failure. Returns the first valid path, or the most relevant failure.
 */
export function buildPath(leaf: ClientCertificate, context: PathContext): ValidPath | Failure {
  const state: BuildState = { signatureChecks: 0, failures: [] };
  // The leaf is itself an anchor: the only way a self-issued certificate is ever accepted.
  if (context.anchors.has(leaf)) {
    const outcome = validatePath([leaf], context);
    if ('policies' in outcome) return { chain: [leaf], anchor: leaf, policies: outcome.policies };
    state.failures.push({ ...outcome, complete: true });
  }
  const found = extend([leaf], context, state);
  if (found) return found;
  const complete = state.failures.find((failure) => failure.complete);
  if (complete) return { code: complete.code, message: complete.message };
  // Without a complete path, report what went wrong with the leaf's own issuer, or a depth
  // limit; a bad signature higher up just means that intermediate leads nowhere.
  const partial = state.failures.find((failure) => failure.onLeaf) ?? state.failures.find((failure) => failure.code === 'ERR_MTLS_CHAIN_TOO_LONG');
  if (partial) return { code: partial.code, message: partial.message };
  return { code: 'ERR_MTLS_CHAIN_UNTRUSTED', message: `no path from ${JSON.stringify(leaf.subjectDn)} to a trust anchor` };
}

interface BuildState {
  signatureChecks: number;
  failures: (Failure & { complete: boolean; onLeaf?: boolean })[];
}

function extend(path: ClientCertificate[], context: PathContext, state: BuildState): ValidPath | undefined {
  const child = path[path.length - 1]!;
  const childProfile = profileOf(child);
  for (const { certificate: issuer, anchor } of candidates(childProfile, context)) {
    if (path.some((seen) => seen === issuer || seen.thumbprint === issuer.thumbprint || sameKeyAndName(seen, issuer))) continue;
    if (state.signatureChecks >= MAX_SIGNATURE_CHECKS) {
      state.failures.push({ code: 'ERR_MTLS_CHAIN_UNTRUSTED', message: 'path building gave up: too many candidate issuers', complete: false });
      return undefined;
    }
    state.signatureChecks += 1;
    const signature = checkSignature(child, issuer, context.algorithms);
    if (signature) {
      state.failures.push({ ...signature, complete: anchor, onLeaf: path.length === 1 });
      continue;
    }
    if (anchor) {
      if (context.allowedAnchors && !context.allowedAnchors.has(profileOf(issuer).spkiSha256)) {
        state.failures.push({ code: 'ERR_MTLS_ANCHOR_NOT_ALLOWED', message: `the chain ends at ${JSON.stringify(issuer.subjectDn)}, an anchor this client may not use`, complete: true });
        continue;
      }
      const outcome = validatePath([issuer, ...[...path].reverse()], context);
      if ('policies' in outcome) return { chain: [...path], anchor: issuer, policies: outcome.policies };
      state.failures.push({ ...outcome, complete: true });
      continue;
    }
    if (path.length > context.maxIntermediates + countSelfIssued(path)) {
      state.failures.push({ code: 'ERR_MTLS_CHAIN_TOO_LONG', message: `the path is longer than ${context.maxIntermediates} intermediates`, complete: false });
      continue;
    }
    const found = extend([...path, issuer], context, state);
    if (found) return found;
  }
  return undefined;
}

function countSelfIssued(path: readonly ClientCertificate[]): number {
  return path.slice(1).filter((certificate) => profileOf(certificate).selfIssued).length;
}

function sameKeyAndName(a: ClientCertificate, b: ClientCertificate): boolean {
  const pa = profileOf(a);
  const pb = profileOf(b);
  return pa.spkiSha256 === pb.spkiSha256 && pa.subject.key === pb.subject.key;
}

function* candidates(child: CertificateProfile, context: PathContext): Generator<{ certificate: ClientCertificate; anchor: boolean }> {
  const byKeyId = (list: readonly ClientCertificate[]): ClientCertificate[] => {
    const aki = child.authorityKeyId;
    if (aki === undefined) return [...list];
    // RFC 5280 4.2.1.1: the key identifier picks among same-name issuers; mismatches go last.
    const rank = (c: ClientCertificate): number => {
      const ski = profileOf(c).subjectKeyId;
      return ski === undefined ? 1 : ski.equals(aki) ? 0 : 2;
    };
    return [...list].sort((a, b) => rank(a) - rank(b));
  };
  for (const certificate of byKeyId(context.anchors.withSubject(child.issuer.key))) yield { certificate, anchor: true };
  const intermediates = context.intermediates.filter((c) => profileOf(c).subject.key === child.issuer.key && !context.anchors.has(c));
  for (const certificate of byKeyId(intermediates)) yield { certificate, anchor: false };
}

const signatureResults = new WeakMap<ClientCertificate, Map<string, Failure | null>>();

function checkSignature(child: ClientCertificate, issuer: ClientCertificate, algorithms: AlgorithmPolicy): Failure | undefined {
  const issuerProfile = profileOf(issuer);
  const cacheKey = `${issuerProfile.spkiSha256}:${algorithms.allowSha1}`;
  let results = signatureResults.get(child);
  const cached = results?.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  const profile = profileOf(child);
  const key = publicKeyOf(issuerProfile.spki);
  let failure: Failure | undefined;
  if (key instanceof Error) {
    failure = { code: 'ERR_MTLS_WEAK_ALGORITHM', message: `the key of ${JSON.stringify(issuer.subjectDn)} is not usable: ${key.message}` };
  } else {
    const outcome = verifySignature(profile.tbs, profile.signatureAlgorithm, profile.signature, key, algorithms);
    if (outcome === 'invalid') {
      failure = { code: 'ERR_MTLS_CHAIN_SIGNATURE', message: `the signature on ${JSON.stringify(child.subjectDn)} does not verify with the key of ${JSON.stringify(issuer.subjectDn)}` };
    } else if (outcome !== 'valid') {
      failure = { code: 'ERR_MTLS_WEAK_ALGORITHM', message: `${JSON.stringify(child.subjectDn)}: ${outcome.weak}` };
    }
  }
  if (!results) signatureResults.set(child, (results = new Map()));
  results.set(cacheKey, failure ?? null);
  return failure;
}

/**
 * RFC 5280 section 6.1 over `path` (anchor first, leaf last; one element when the leaf is the
 * anchor). Signatures were checked while building; everything else is checked here. A valid path
 * yields its user-constrained policy set.
 */
function validatePath(path: readonly ClientCertificate[], context: PathContext): Failure | { readonly policies: readonly string[] } {
  const last = path.length - 1;
  const constraints: NameConstraintSet[] = [];
  let maxPathLength = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= last; i += 1) {
    const certificate = path[i]!;
    const profile = profileOf(certificate);
    const isAnchor = i === 0;
    const isLeaf = i === last;
    const subject = JSON.stringify(certificate.subjectDn);
    // 6.1.1 d: an anchor is trusted for its name and key; its validity is checked only on request.
    // A leaf that is itself an anchor is the certificate being authenticated: always checked.
    const failure = checkCommon(profile, subject, context, !isAnchor || isLeaf || context.checkAnchorValidity);
    if (failure) return failure;
    // 6.1.3 b-c: the anchor's constraints bind what it issues, not its own names.
    if (!isAnchor && (!profile.selfIssued || isLeaf)) {
      const problem = checkNameConstraints(profile, constraints);
      if (problem) return { code: 'ERR_MTLS_NAME_CONSTRAINTS', message: `${subject}: ${problem}` };
    }
    if (isLeaf) {
      const problem = checkLeaf(profile, subject, context);
      if (problem) return problem;
      break;
    }
    // 6.1.4 k: every issuer must be a CA.
    if (profile.version !== 3 && !isAnchor) {
      return { code: 'ERR_MTLS_CHAIN_NOT_CA', message: `${subject} is a version ${profile.version} certificate and cannot issue certificates` };
    }
    if (profile.version === 3 && profile.basicConstraints?.ca !== true) {
      return { code: 'ERR_MTLS_CHAIN_NOT_CA', message: `${subject} is not a CA (basicConstraints cA is not set)` };
    }
    // 6.1.4 k reads presence and cA only; 4.2.1.9's "MUST mark critical" binds the CA, and is
    // enforced only when asked for.
    if (context.requireCriticalBasicConstraints && profile.extensions.get(EXT.basicConstraints)?.critical === false) {
      return { code: 'ERR_MTLS_CHAIN_NOT_CA', message: `${subject} has a non-critical basicConstraints extension` };
    }
    // 6.1.4 n: a CA key usage must allow certificate signing.
    if (profile.keyUsage !== undefined && !(profile.keyUsage & KEY_USAGE.keyCertSign)) {
      return { code: 'ERR_MTLS_KEY_USAGE', message: `${subject} may not sign certificates (keyUsage lacks keyCertSign)` };
    }
    // Issuer EKUs restrict what they issue (the practice of OpenSSL, Windows, Go and NSS).
    if (context.purpose === 'clientAuth' && profile.extendedKeyUsage && !allowsClientAuth(profile.extendedKeyUsage)) {
      return { code: 'ERR_MTLS_EKU', message: `${subject} may not issue client authentication certificates (its extendedKeyUsage excludes clientAuth)` };
    }
    // 6.1.4 l-m: path length, where self-issued certificates do not count.
    if (!isAnchor && !profile.selfIssued) {
      if (maxPathLength <= 0) return { code: 'ERR_MTLS_CHAIN_PATH_LENGTH', message: `${subject} exceeds the pathLenConstraint of a CA above it` };
      maxPathLength -= 1;
    }
    const pathLength = profile.basicConstraints?.pathLength;
    if (pathLength !== undefined && pathLength < maxPathLength) maxPathLength = pathLength;
    // 6.1.4 g.
    if (profile.nameConstraints) constraints.push(profile.nameConstraints);
  }
  // The policy algorithm runs over certificates 1 to n; a leaf that is itself an anchor is a path
  // of one, so that its own policies still answer a policy requirement.
  const certificates = (path.length === 1 ? path : path.slice(1)).map(profileOf);
  const policies = processPolicies(certificates, context.policies);
  if (!policies.ok) return { code: 'ERR_MTLS_POLICY', message: policies.message };
  return { policies: policies.policies };
}

function checkCommon(profile: CertificateProfile, subject: string, context: PathContext, checkValidity: boolean): Failure | undefined {
  // 6.1.3 a.2, with the configured tolerance for clock skew. Certificate times have a one-second
  // granularity (4.1.2.5) and notAfter is inclusive, so the whole second is still valid.
  const now = Math.floor(context.time / 1000) * 1000;
  if (checkValidity && now + context.tolerance < profile.notBefore) {
    return { code: 'ERR_MTLS_CERT_NOT_YET_VALID', message: `${subject} is not valid before ${new Date(profile.notBefore).toISOString()}` };
  }
  if (checkValidity && now - context.tolerance > profile.notAfter) {
    return { code: 'ERR_MTLS_CERT_EXPIRED', message: `${subject} expired at ${new Date(profile.notAfter).toISOString()}` };
  }
  for (const [oid, extension] of profile.extensions) {
    if (extension.critical && !RECOGNIZED.has(oid)) {
      return { code: 'ERR_MTLS_CRITICAL_EXTENSION', message: `${subject} has an unrecognized critical extension ${oid}` };
    }
  }
  for (const oid of MUST_BE_NON_CRITICAL) {
    if (profile.extensions.get(oid)?.critical) {
      return { code: 'ERR_MTLS_CRITICAL_EXTENSION', message: `${subject} marks the extension ${oid} critical, which RFC 5280 forbids` };
    }
  }
  const malformed = profileProblem(profile);
  if (malformed) return { code: 'ERR_MTLS_CERT_MALFORMED', message: `${subject}: ${malformed}` };
  const key = publicKeyOf(profile.spki);
  const weak = key instanceof Error ? key.message : weakKeyReason(key, context.algorithms) ?? explicitCurve(profile.spki);
  if (weak) return { code: 'ERR_MTLS_WEAK_ALGORITHM', message: `${subject}: ${weak}` };
  return undefined;
}

/** RFC 5280 profile rules whose violation makes a certificate unusable, or `undefined`. */
function profileProblem(profile: CertificateProfile): string | undefined {
  const san = profile.extensions.get(EXT.subjectAltName);
  // 4.2.1.6: with an empty subject, the identity is in a SAN that must be present and critical.
  if (profile.subject.name.length === 0 && !san?.critical) return 'an empty subject requires a critical subjectAltName';
  // 4.1.2.6: a CA's subject must be a non-empty distinguished name.
  if (profile.subject.name.length === 0 && profile.basicConstraints?.ca) return 'a CA certificate must have a non-empty subject';
  for (const name of profile.subjectAltNames ?? []) {
    const problem = malformedName(name);
    if (problem && name.type !== 'uri') return `subjectAltName: ${problem}`;
  }
  // 4.2.1.10 and 4.2.1.11: conforming CAs mark these critical; a non-critical one is malformed.
  if (profile.extensions.get(EXT.nameConstraints)?.critical === false) return 'the nameConstraints extension must be critical';
  if (profile.extensions.get(EXT.policyConstraints)?.critical === false) return 'the policyConstraints extension must be critical';
  return undefined;
}

// RFC 5480 2.1.1: EC keys name their curve; explicit (specifiedCurve) parameters are refused.
// Read from the SPKI's bytes: the SubjectPublicKeyInfo schema took ~150 µs a certificate (a
// tenth of a first verification) to give one OID and the tag after it.
function explicitCurve(spki: Buffer): string | undefined {
  const [algorithm] = childrenOf(parseTlv(spki));
  const [oid, parameters] = algorithm ? childrenOf(algorithm) : [];
  if (oid && decodeOid(oid.content) === '1.2.840.10045.2.1' && parameters?.tag !== 0x06) return 'EC keys with explicit curve parameters are not accepted';
  return undefined;
}

function checkLeaf(profile: CertificateProfile, subject: string, context: PathContext): Failure | undefined {
  // RFC 5280 4.2.1.10: name constraints belong in CA certificates only.
  if (profile.nameConstraints && profile.basicConstraints?.ca !== true) {
    return { code: 'ERR_MTLS_NAME_CONSTRAINTS', message: `${subject} is an end entity with a nameConstraints extension` };
  }
  // RFC 5280 4.2.1.3: keyCertSign is for CAs only.
  if (profile.keyUsage !== undefined && profile.keyUsage & KEY_USAGE.keyCertSign && profile.basicConstraints?.ca !== true) {
    return { code: 'ERR_MTLS_KEY_USAGE', message: `${subject} asserts keyCertSign without being a CA` };
  }
  if (context.purpose !== 'clientAuth') return undefined;
  // A CA certificate is never a client (RFC 5280 4.2.1.9 reserves cA for certificate issuers):
  // accepting one would let the holder of any issuing key in the PKI authenticate as a client.
  if (profile.basicConstraints?.ca === true) {
    return { code: 'ERR_MTLS_KEY_USAGE', message: `${subject} is a CA certificate (basicConstraints cA), not a client certificate` };
  }
  // A TLS client proves possession of its key by signing the handshake (RFC 8446 4.4.3; RFC 8422
  // defines only ECDSA_sign client authentication, the fixed-(EC)DH methods are gone), so whatever
  // the key type, a keyUsage without digitalSignature is a key that may not authenticate a client.
  if (profile.keyUsage !== undefined && !(profile.keyUsage & KEY_USAGE.digitalSignature)) {
    return { code: 'ERR_MTLS_KEY_USAGE', message: `${subject} keyUsage lacks digitalSignature, which TLS client authentication needs` };
  }
  // RFC 5280 4.2.1.12, RFC 5246/8446: a client certificate with an EKU must allow clientAuth.
  if (profile.extendedKeyUsage && !allowsClientAuth(profile.extendedKeyUsage)) {
    return { code: 'ERR_MTLS_EKU', message: `${subject} extendedKeyUsage does not include clientAuth` };
  }
  return undefined;
}

function allowsClientAuth(ekus: readonly string[]): boolean {
  return ekus.includes(OID_CLIENT_AUTH) || ekus.includes(OID_ANY_EKU);
}
