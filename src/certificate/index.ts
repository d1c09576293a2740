export { ClientCertificate, spkiSha256, type CertificateInput } from './certificate.js';
export { decodePemCertificates, encodePemCertificate } from './pem.js';
export { TrustAnchors, type TrustAnchorSource } from './anchors.js';
export type { AlgorithmPolicy } from './algorithms.js';
export { verifyCertificateChain, type ChainVerdict, type Purpose, type ValidChain, type VerifyChainOptions } from './verify.js';
export type { PolicyOptions } from './policies.js';
export {
  createCertificateValidator,
  type CertificateValidator,
  type CertificateValidatorOptions,
  type ValidatorVerifyOptions,
} from './validator.js';
export {
  offeredSubjectValues,
  subjectMatches,
  SUBJECT_PROPERTIES,
  type SubjectProperty,
} from './subject.js';
export { formatDistinguishedName, parseDistinguishedName, type DistinguishedName, type NameAttribute } from './names.js';
export type { RevocationOptions } from './revocation/policy.js';
export type { RevocationChecker, RevocationEvent, RevocationMode, RevocationStatus } from './revocation/types.js';
