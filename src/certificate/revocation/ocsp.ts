import { createHash } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CRLReasons, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { BasicOCSPResponse, CertID, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest, type RevokedInfo } from '@peculiar/asn1-ocsp';
import { publicKeyOf, verifySignature, type AlgorithmPolicy } from '../algorithms.js';
import { ClientCertificate } from '../certificate.js';
import { parseTlv } from '../der.js';
import { assertOcspResponseDer } from '../x509-der.js';
import { nameKey, decodeName } from '../names.js';
import { profileOf } from '../profile.js';
import { decodeDer } from '../schema.js';
import { fetchRevocationData, type FetchLimits } from './fetch.js';
import type { RevocationStatus } from './types.js';

const SHA1 = '1.3.14.3.2.26';
const BASIC_RESPONSE = '1.3.6.1.5.5.7.48.1.1';
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/**
 * The RFC 6960 CertID of `certificate`: SHA-1 hashes of the issuer's name and key (SHA-1 here
 * is an identifier every responder understands, not a signature) and the serial number.
 */
function certId(certificate: ClientCertificate, issuer: ClientCertificate): { id: CertID; keyHash: Buffer; nameHash: Buffer; serial: Buffer } {
  const issuerProfile = profileOf(issuer);
  const nameHash = createHash('sha1').update(issuerProfile.subject.der).digest();
  const keyHash = createHash('sha1').update(subjectPublicKeyBits(issuerProfile.spki)).digest();
  const serial = profileOf(certificate).serialNumber;
  const id = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
    issuerNameHash: new OctetString(nameHash),
    issuerKeyHash: new OctetString(keyHash),
    serialNumber: new Uint8Array(serial).buffer,
  });
  return { id, keyHash, nameHash, serial };
}

// The subjectPublicKey BIT STRING's bits, without the unused-bits octet (RFC 6960 4.1.1).
function subjectPublicKeyBits(spki: Buffer): Buffer {
  return Buffer.from(decodeDer(spki, SubjectPublicKeyInfo, 'subjectPublicKeyInfo').subjectPublicKey);
}

/** Builds the DER OCSPRequest for one certificate (no nonce, so responses can be cached, RFC 5019). */
export function buildOcspRequest(certificate: ClientCertificate, issuer: ClientCertificate): Buffer {
  const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId(certificate, issuer).id })] }) });
  return Buffer.from(AsnConvert.serialize(request));
}

export interface OcspSettings {
  readonly limits: FetchLimits;
  readonly algorithms: AlgorithmPolicy;
  /** Milliseconds a response without `nextUpdate` stays usable after `thisUpdate`. */
  readonly maxAge: number;
  /** Milliseconds after its `thisUpdate` and its `producedAt` that a response stops being usable, whatever its `nextUpdate`. */
  readonly maxResponseAge: number;
  readonly tolerance: number;
}

/**
 * Asks the responder at `url` and checks the answer (RFC 6960 section 3.2): a successful basic
 * response, signed by the issuer itself or by a responder certificate the issuer signed with
 * `id-kp-OCSPSigning`, about this very certificate, and current at `at`.
 */
export async function queryOcsp(url: string, certificate: ClientCertificate, issuer: ClientCertificate, at: number, settings: OcspSettings): Promise<RevocationStatus> {
  const body = await fetchRevocationData('ocsp', url, settings.limits, { contentType: 'application/ocsp-request', bytes: buildOcspRequest(certificate, issuer) });
  return checkOcspResponse(body, certificate, issuer, at, settings, `OCSP ${url}`);
}

/** Checks a DER OCSPResponse; throws an Error saying why it cannot be used. */
export function checkOcspResponse(der: Buffer, certificate: ClientCertificate, issuer: ClientCertificate, at: number, settings: OcspSettings, source: string): RevocationStatus {
  // Strict DER first: @peculiar/asn1-ocsp reads BER. With decodeDer's round trip, whatever is
  // encoded again from the decoded response (the certificates it embeds, a responder name) has
  // the bytes the responder signed.
  assertOcspResponseDer(der);
  const response = decodeDer(der, OCSPResponse, 'OCSPResponse');
  if (response.responseStatus !== OCSPResponseStatus.successful) throw new Error(`the responder answered status ${OCSPResponseStatus[response.responseStatus]}`);
  if (response.responseBytes?.responseType !== BASIC_RESPONSE) throw new Error('the response is not a basic OCSP response');
  const basicDer = Buffer.from(response.responseBytes.response.buffer);
  const basic = decodeDer(basicDer, BasicOCSPResponse, 'BasicOCSPResponse');
  // The schema keeps tbsResponseData's bytes as received: the signature is over exactly those.
  const tbs = Buffer.from(basic.tbsResponseDataRaw!);
  const algorithm = Buffer.from(AsnConvert.serialize(basic.signatureAlgorithm));
  const signer = responseSigner(basic, issuer, at, settings);
  const key = publicKeyOf(profileOf(signer).spki);
  if (key instanceof Error) throw key;
  const outcome = verifySignature(tbs, algorithm, Buffer.from(basic.signature).subarray(1), key, settings.algorithms);
  if (outcome !== 'valid') throw new Error(outcome === 'invalid' ? 'the OCSP response signature does not verify' : outcome.weak);
  const wanted = certId(certificate, issuer);
  const single = basic.tbsResponseData.responses.find((entry) => entry.certID.hashAlgorithm.algorithm === SHA1
    && Buffer.from(entry.certID.issuerKeyHash.buffer).equals(wanted.keyHash)
    && Buffer.from(entry.certID.issuerNameHash.buffer).equals(wanted.nameHash)
    && Buffer.from(entry.certID.serialNumber).equals(wanted.serial));
  if (single === undefined) throw new Error('the response does not cover this certificate');
  const thisUpdate = single.thisUpdate.getTime();
  const producedAt = basic.tbsResponseData.producedAt.getTime();
  // RFC 6960 4.2.2.1: a thisUpdate later than now makes the response unreliable.
  if (thisUpdate > at + settings.tolerance) throw new Error('the OCSP response is from the future');
  const revoked = single.certStatus.revoked;
  // Revocation is permanent (RFC 5280 5.3.1), so an authentic "revoked" proves it however old the
  // response; only a hold (certificateHold) can be lifted, and it must be as current as "good".
  if (revoked && revoked.revocationReason?.reason !== CRLReasons.certificateHold) return revokedStatus(revoked, source);
  // RFC 6960 3.2 (5)-(6): thisUpdate recent enough, nextUpdate (when set) not passed. "Recent
  // enough" is bounded on its own: a response signed long ago with a far-off nextUpdate (or
  // replayed by whoever sits on the path to the responder) is not current evidence.
  // (producedAt later than `at` is normal: `at` is taken before the request is sent.)
  const oldest = Math.min(thisUpdate, producedAt);
  if (oldest + settings.maxResponseAge + settings.tolerance < at) {
    throw new Error(`the OCSP response is older than ocspMaxResponseAge (${single.thisUpdate.toISOString()} thisUpdate, ${basic.tbsResponseData.producedAt.toISOString()} producedAt)`);
  }
  const until = Math.min(single.nextUpdate?.getTime() ?? thisUpdate + settings.maxAge, oldest + settings.maxResponseAge);
  if (until + settings.tolerance < at) throw new Error('the OCSP response is stale');
  if (revoked) return revokedStatus(revoked, source);
  if (single.certStatus.good !== undefined) return { status: 'good', until, source };
  return { status: 'unknown', reason: 'the responder does not know the certificate', source };
}

function revokedStatus(revoked: RevokedInfo, source: string): RevocationStatus {
  const reason = revoked.revocationReason;
  return { status: 'revoked', source, revokedAt: revoked.revocationTime.getTime(), ...(reason !== undefined ? { reason: String(reason) } : {}) };
}

function responseSigner(basic: BasicOCSPResponse, issuer: ClientCertificate, at: number, settings: OcspSettings): ClientCertificate {
  const issuerProfile = profileOf(issuer);
  const responder = basic.tbsResponseData.responderID;
  const matches = (candidate: ClientCertificate): boolean => {
    const profile = profileOf(candidate);
    if (responder.byKey) return createHash('sha1').update(subjectPublicKeyBits(profile.spki)).digest().equals(Buffer.from(responder.byKey.buffer));
    return responder.byName !== undefined && nameKey(decodeName(parseTlv(Buffer.from(AsnConvert.serialize(responder.byName))))) === profile.subject.key;
  };
  if (matches(issuer)) return issuer;
  // RFC 6960 4.2.2.2: a delegated responder, issued by the CA itself, with id-kp-OCSPSigning.
  for (const asn1 of basic.certs ?? []) {
    const candidate = ClientCertificate.from(Buffer.from(AsnConvert.serialize(asn1)));
    if (!matches(candidate)) continue;
    const profile = profileOf(candidate);
    if (profile.issuer.key !== issuerProfile.subject.key) throw new Error('the delegated responder was not issued by the certificate\'s issuer');
    if (!profile.extendedKeyUsage?.includes(OCSP_SIGNING)) throw new Error('the delegated responder lacks id-kp-OCSPSigning');
    if (at + settings.tolerance < profile.notBefore || at - settings.tolerance > profile.notAfter) throw new Error('the delegated responder certificate is not valid now');
    const key = publicKeyOf(issuerProfile.spki);
    if (key instanceof Error) throw key;
    const outcome = verifySignature(profile.tbs, profile.signatureAlgorithm, profile.signature, key, settings.algorithms);
    if (outcome !== 'valid') throw new Error('the delegated responder certificate is not signed by the issuer');
    return candidate;
  }
  throw new Error('the response is signed by neither the issuer nor a delegated responder');
}
