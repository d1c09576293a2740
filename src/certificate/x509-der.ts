import { childrenOf, decodeOid, DerError, parseTlv, type Tlv } from './der.js';

/**
 * Whole-document DER checks for a certificate, a CRL and an OCSP response, run once on the bytes
 * as received before any other parser (Node's, @peculiar/asn1-*) reads them. {@link parseTlv}
 * checks every element of the document; this adds the rules that need to know the structure:
 * the DER inside each extension's OCTET STRING (RFC 5280 4.1: extnValue holds a DER encoding),
 * DEFAULT values left out (X.690 11.5) and named bit lists without trailing zero bits (11.2.2).
 */

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const BASIC_OCSP_RESPONSE = '1.3.6.1.5.5.7.48.1.1';

/** @throws {DerError} when `der` is not one DER `Certificate` (RFC 5280 4.1) and nothing else. */
export function assertCertificateDer(der: Buffer): void {
  const certificate = parseTlv(der);
  if (certificate.tag !== 0x30) throw new DerError('a Certificate must be a SEQUENCE');
  const [tbs] = childrenOf(certificate);
  if (tbs?.tag !== 0x30) return; // the profile decoder names the structural fault
  const fields = childrenOf(tbs);
  const version = fields[0]?.tag === 0xa0 ? childrenOf(fields[0])[0] : undefined;
  if (version?.tag === 0x02 && version.content.length === 1 && version.content[0] === 0) {
    throw new DerError('version v1 written out, though it is the DEFAULT (X.690 11.5)');
  }
  const extensions = fields.find((field) => field.tag === 0xa3);
  if (extensions !== undefined) assertExtensionsDer(childrenOf(extensions)[0]);
}

/** @throws {DerError} when `der` is not one DER `CertificateList` (RFC 5280 5.1) and nothing else. */
export function assertCrlDer(der: Buffer): void {
  const crl = parseTlv(der);
  if (crl.tag !== 0x30) throw new DerError('a CertificateList must be a SEQUENCE');
  const [tbs] = childrenOf(crl);
  if (tbs?.tag !== 0x30) return;
  // TBSCertList (RFC 5280 5.1): version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions?
  const fields = childrenOf(tbs);
  let index = fields[0]?.tag === 0x02 ? 4 : 3;
  if (fields[index]?.tag === 0x17 || fields[index]?.tag === 0x18) index += 1;
  if (fields[index]?.tag === 0x30) {
    for (const entry of childrenOf(fields[index]!)) {
      if (entry.tag === 0x30) assertExtensionsDer(childrenOf(entry)[2]);
    }
    index += 1;
  }
  if (fields[index]?.tag === 0xa0) assertExtensionsDer(childrenOf(fields[index]!)[0]);
}

/**
 * @throws {DerError} when `der` is not one DER `OCSPResponse` (RFC 6960 4.2.1), including the
 * `BasicOCSPResponse` it carries in an OCTET STRING and the certificates that one embeds.
 */
export function assertOcspResponseDer(der: Buffer): void {
  const response = parseTlv(der);
  if (response.tag !== 0x30) throw new DerError('an OCSPResponse must be a SEQUENCE');
  const bytes = childrenOf(response)[1];
  const inner = bytes?.tag === 0xa0 ? childrenOf(bytes)[0] : undefined; // no responseBytes: an unsuccessful status
  const [type, octets] = inner?.tag === 0x30 ? childrenOf(inner) : [];
  if (type?.tag !== 0x06 || decodeOid(type.content) !== BASIC_OCSP_RESPONSE || octets?.tag !== 0x04) return;
  const basic = parseTlv(octets.content);
  const [tbs, , , certs] = basic.tag === 0x30 ? childrenOf(basic) : [];
  if (tbs?.tag === 0x30) {
    // ResponseData (RFC 6960 4.2.1): [0] version?, responderID, producedAt, responses, [1] responseExtensions?
    const fields = childrenOf(tbs);
    const version = fields[0]?.tag === 0xa0 ? childrenOf(fields[0])[0] : undefined;
    if (version?.tag === 0x02 && version.content.length === 1 && version.content[0] === 0) {
      throw new DerError('ResponseData version v1 written out, though it is the DEFAULT (X.690 11.5)');
    }
    const index = fields[0]?.tag === 0xa0 ? 1 : 0;
    const responses = fields[index + 2];
    // SingleResponse: certID, certStatus, thisUpdate, [0] nextUpdate?, [1] singleExtensions?
    for (const single of responses?.tag === 0x30 ? childrenOf(responses) : []) {
      const extensions = single.tag === 0x30 ? childrenOf(single).slice(3).find((part) => part.tag === 0xa1) : undefined;
      if (extensions !== undefined) assertExtensionsDer(childrenOf(extensions)[0]);
    }
    const extensions = fields[index + 3];
    if (extensions?.tag === 0xa1) assertExtensionsDer(childrenOf(extensions)[0]);
  }
  const list = certs?.tag === 0xa0 ? childrenOf(certs)[0] : undefined;
  for (const certificate of list?.tag === 0x30 ? childrenOf(list) : []) assertCertificateDer(certificate.bytes);
}

/** Extensions (RFC 5280 4.1): critical FALSE left out, each extnValue one DER element. */
function assertExtensionsDer(list: Tlv | undefined): void {
  if (list?.tag !== 0x30) return;
  for (const extension of childrenOf(list)) {
    const parts = extension.tag === 0x30 ? childrenOf(extension) : [];
    const [id, critical] = parts;
    const value = parts[parts.length - 1];
    if (id?.tag !== 0x06 || value?.tag !== 0x04) continue;
    const oid = decodeOid(id.content);
    if (critical?.tag === 0x01 && critical.content[0] === 0) {
      throw new DerError(`extension ${oid} writes out critical FALSE, though it is the DEFAULT (X.690 11.5)`);
    }
    let element: Tlv;
    try {
      element = parseTlv(value.content);
    } catch (cause) {
      throw new DerError(`extension ${oid}: ${(cause as Error).message}`, { cause });
    }
    if (oid === BASIC_CONSTRAINTS && element.tag === 0x30) {
      const [ca] = childrenOf(element);
      if (ca?.tag === 0x01 && ca.content[0] === 0) throw new DerError('basicConstraints writes out cA FALSE, though it is the DEFAULT (X.690 11.5)');
    }
    if (oid === KEY_USAGE && element.tag === 0x03) assertNamedBits(element.content, 'keyUsage');
  }
}

/** X.690 11.2.2: a named bit list is encoded without trailing zero bits. */
function assertNamedBits(content: Buffer, what: string): void {
  if (content.length > 1 && !((content[content.length - 1]! >> content[0]!) & 1)) {
    throw new DerError(`${what} has trailing zero bits (X.690 11.2.2)`);
  }
}
