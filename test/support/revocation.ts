// Real revocation services for tests: one http server on 127.0.0.1, port 0, serving CRLs and an
// OCSP responder built with the ASN.1 libraries, with switches for the failures worth testing.
import 'reflect-metadata';
import { createHash, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AuthorityInfoAccessSyntax, AccessDescription, CRLDistributionPoints, CertificateIssuer, DistributionPoint, DistributionPointName,
  GeneralName, Certificate, CRLReason, CRLReasons, IssuingDistributionPoint, Name as AsnName, Reason, ReasonFlags, RelativeDistinguishedName, type ReasonType,
} from '@peculiar/asn1-x509';
import {
  BasicOCSPResponse, CertStatus, KeyHash, OCSPRequest, OCSPResponse, OCSPResponseStatus, ResponderID, ResponseBytes,
  ResponseData, RevokedInfo, SingleResponse,
} from '@peculiar/asn1-ocsp';
import * as x509 from '@peculiar/x509';
import type { TestCertificate } from './pki.js';

/** How the server behaves: answer, never answer, or answer bytes that are not what was asked. */
export type ServerBehaviour = 'answer' | 'hang' | 'garbage';

export interface OcspAnswer {
  /** Status per serial number (hex as in the certificate, e.g. `01ab...`); default `good`. `on-hold`: revoked as certificateHold. */
  statuses?: Record<string, 'good' | 'revoked' | 'on-hold' | 'unknown'>;
  /** The certificate that signs responses; default the issuer itself. */
  signer?: TestCertificate;
  thisUpdate?: Date;
  /** `null` omits nextUpdate. Default: one hour after thisUpdate. */
  nextUpdate?: Date | null;
  /** When the responder says it signed. Default: now. */
  producedAt?: Date;
}

export interface RevocationServer {
  readonly origin: string;
  /** `http://127.0.0.1:PORT/crl` */
  readonly crlUrl: string;
  /** `http://127.0.0.1:PORT/ocsp` */
  readonly ocspUrl: string;
  behaviour: ServerBehaviour;
  /** The DER CRL served at `crlUrl`. */
  crl: Buffer | undefined;
  /** More CRLs, by path (`/crl/shard-1` is served at `${origin}/crl/shard-1`). */
  crls: Record<string, Buffer>;
  /** The issuer the OCSP responder answers for, and how. */
  ocsp: { issuer: TestCertificate; answer: OcspAnswer } | undefined;
  /** Requests received, by path. */
  readonly hits: Record<string, number>;
  close(): Promise<void>;
}

export async function startRevocationServer(): Promise<RevocationServer> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const state = {
    behaviour: 'answer' as ServerBehaviour,
    crl: undefined as Buffer | undefined,
    crls: {} as Record<string, Buffer>,
    ocsp: undefined as RevocationServer['ocsp'],
    hits: {} as Record<string, number>,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      state.hits[path] = (state.hits[path] ?? 0) + 1;
      if (state.behaviour === 'hang') {
        hanging.add(res);
        return;
      }
      if (state.behaviour === 'garbage') {
        res.end(Buffer.from('<html>not what you asked for</html>'));
        return;
      }
      const crl = path === '/crl' ? state.crl : state.crls[path];
      if (crl) {
        res.setHeader('content-type', 'application/pkix-crl');
        res.end(crl);
        return;
      }
      if (path === '/ocsp' && state.ocsp) {
        res.setHeader('content-type', 'application/ocsp-response');
        res.end(ocspResponse(Buffer.concat(chunks), state.ocsp.issuer, state.ocsp.answer));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    origin,
    crlUrl: `${origin}/crl`,
    ocspUrl: `${origin}/ocsp`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  });
}

/** A non-critical cRLDistributionPoints extension naming `url` (RFC 5280 4.2.1.13). */
export function crlDistributionPoint(url: string): x509.Extension {
  const value = new CRLDistributionPoints([new DistributionPoint({
    distributionPoint: new DistributionPointName({ fullName: [new GeneralName({ uniformResourceIdentifier: url })] }),
  })]);
  return new x509.Extension('2.5.29.31', false, AsnConvert.serialize(value));
}

/**
 * One distribution point (RFC 5280 4.2.1.13) or the distribution point name of a CRL's scope:
 * `urls` as fullName URIs, or `relativeName` (an RDN such as `CN=shard 1`) as nameRelativeToCRLIssuer.
 */
export interface PointSpec {
  urls?: string[];
  /** DNs listed in fullName after the URLs. */
  directoryNames?: string[];
  relativeName?: string;
}

function pointName(spec: PointSpec): DistributionPointName | undefined {
  if (spec.urls || spec.directoryNames) {
    const fullName = [...(spec.urls ?? []).map((url) => new GeneralName({ uniformResourceIdentifier: url })), ...(spec.directoryNames ?? []).map(directoryName)];
    return new DistributionPointName({ fullName });
  }
  if (spec.relativeName) {
    const [rdn] = AsnConvert.parse(new x509.Name(spec.relativeName).toArrayBuffer(), AsnName);
    return new DistributionPointName({ nameRelativeToCRLIssuer: new RelativeDistinguishedName([...rdn!]) });
  }
  return undefined;
}

const reasonFlags = (reasons: ReasonType[]): Reason => new Reason(reasons.reduce((mask, name) => mask | ReasonFlags[name], 0));

/** A directoryName GeneralName: `dn` as @peculiar/x509 encodes it, or a certificate's subject exactly as issued. */
export function directoryName(dn: string | TestCertificate): GeneralName {
  if (typeof dn !== 'string') return new GeneralName({ directoryName: AsnConvert.parse(dn.der, Certificate).tbsCertificate.subject });
  return new GeneralName({ directoryName: AsnConvert.parse(new x509.Name(dn).toArrayBuffer(), AsnName) });
}

/** A non-critical cRLDistributionPoints extension with every field of DistributionPoint: `reasons`, and `crlIssuer` as a DN. */
export function crlDistributionPoints(points: (PointSpec & { reasons?: ReasonType[]; crlIssuer?: string })[]): x509.Extension {
  const value = new CRLDistributionPoints(points.map((point) => {
    const name = pointName(point);
    return new DistributionPoint({
      ...(name ? { distributionPoint: name } : {}),
      ...(point.reasons ? { reasons: reasonFlags(point.reasons) } : {}),
      ...(point.crlIssuer ? { cRLIssuer: [directoryName(point.crlIssuer)] } : {}),
    });
  }));
  return new x509.Extension('2.5.29.31', false, AsnConvert.serialize(value));
}

/** The scope a CRL claims (RFC 5280 5.2.5). */
export interface ScopeSpec extends PointSpec {
  onlyContainsUserCerts?: boolean;
  onlyContainsCACerts?: boolean;
  onlySomeReasons?: ReasonType[];
  indirectCRL?: boolean;
  onlyContainsAttributeCerts?: boolean;
}

/** An issuingDistributionPoint CRL extension, critical as RFC 5280 5.2.5 requires. */
export function issuingDistributionPoint(scope: ScopeSpec): x509.Extension {
  const name = pointName(scope);
  const value = new IssuingDistributionPoint({
    onlyContainsUserCerts: scope.onlyContainsUserCerts ?? false,
    onlyContainsCACerts: scope.onlyContainsCACerts ?? false,
    indirectCRL: scope.indirectCRL ?? false,
    onlyContainsAttributeCerts: scope.onlyContainsAttributeCerts ?? false,
    ...(name ? { distributionPoint: name } : {}),
    ...(scope.onlySomeReasons ? { onlySomeReasons: reasonFlags(scope.onlySomeReasons) } : {}),
  });
  return new x509.Extension('2.5.29.28', true, AsnConvert.serialize(value));
}

/** A certificateIssuer CRL entry extension (RFC 5280 5.3.3, critical) naming `names`. */
export function certificateIssuer(names: GeneralName[]): x509.Extension {
  return new x509.Extension('2.5.29.29', true, AsnConvert.serialize(new CertificateIssuer(names)));
}

/** A non-critical authorityInfoAccess extension naming the OCSP responder `url` (RFC 5280 4.2.2.1). */
export function ocspAccess(url: string): x509.Extension {
  const value = new AuthorityInfoAccessSyntax([new AccessDescription({
    accessMethod: '1.3.6.1.5.5.7.48.1',
    accessLocation: new GeneralName({ uniformResourceIdentifier: url }),
  })]);
  return new x509.Extension('1.3.6.1.5.5.7.1.1', false, AsnConvert.serialize(value));
}

/** One CRL entry: the certificate, its reasonCode, and any more entry extensions (certificateIssuer, ...). */
export interface EntrySpec {
  cert: TestCertificate;
  reason?: x509.X509CrlReason;
  extensions?: x509.Extension[];
}

/**
 * A CRL from `issuer` revoking `revoked` (certificates, as keyCompromise) and `entries`, valid
 * from thisUpdate to nextUpdate, with a cRLNumber and `extensions` (a scope, a critical unknown
 * extension, a deltaCRLIndicator...).
 */
export async function createCrl(issuer: TestCertificate, options: {
  revoked?: TestCertificate[]; entries?: EntrySpec[]; extensions?: x509.Extension[]; thisUpdate?: Date; nextUpdate?: Date;
} = {}): Promise<Buffer> {
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate,
    nextUpdate: options.nextUpdate ?? new Date(thisUpdate.getTime() + 3600_000),
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as never,
    entries: [...(options.revoked ?? []).map((cert) => ({ cert, reason: x509.X509CrlReason.keyCompromise })), ...(options.entries ?? [])]
      .map(({ cert, reason, extensions }: EntrySpec) => ({
        serialNumber: cert.cert.serialNumber, revocationDate: new Date(thisUpdate.getTime() - 1000), ...(reason ? { reason } : {}), ...(extensions ? { extensions } : {}),
      })),
    extensions: [new x509.Extension('2.5.29.20', false, new Uint8Array([0x02, 0x01, 0x01])), ...(options.extensions ?? [])],
  });
  return Buffer.from(crl.rawData);
}

function keyHash(cert: TestCertificate): Buffer {
  const asn1 = AsnConvert.parse(cert.der, Certificate);
  return createHash('sha1').update(Buffer.from(asn1.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)).digest();
}

/** Signs an OCSP answer for every CertID of `requestDer` (RFC 6960 4.2.1), with ECDSA P-256 keys. */
export function ocspResponse(requestDer: Buffer, issuer: TestCertificate, answer: OcspAnswer): Buffer {
  const request = AsnConvert.parse(requestDer, OCSPRequest);
  const signer = answer.signer ?? issuer;
  const thisUpdate = answer.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = answer.nextUpdate === undefined ? new Date(thisUpdate.getTime() + 3600_000) : answer.nextUpdate;
  const responses = request.tbsRequest.requestList.map(({ reqCert }) => {
    const serial = Buffer.from(reqCert.serialNumber).toString('hex');
    const status = answer.statuses?.[serial] ?? 'good';
    const certStatus = status === 'good'
      ? new CertStatus({ good: null })
      : status === 'unknown' ? new CertStatus({ unknown: null }) : new CertStatus({
        revoked: new RevokedInfo({
          revocationTime: new Date(thisUpdate.getTime() - 1000),
          ...(status === 'on-hold' ? { revocationReason: new CRLReason(CRLReasons.certificateHold) } : {}),
        }),
      });
    return new SingleResponse({ certID: reqCert, certStatus, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}) });
  });
  const tbs = new ResponseData({
    responderID: new ResponderID({ byKey: new KeyHash(keyHash(signer)) }),
    producedAt: answer.producedAt ?? new Date(),
    responses,
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const basic = new BasicOCSPResponse({
    tbsResponseData: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: new Uint8Array(Buffer.concat([Buffer.from([0]), sign('sha256', tbsDer, signer.key)])).buffer,
    ...(signer === issuer ? {} : { certs: [AsnConvert.parse(signer.der, Certificate)] }),
  });
  const response = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({ responseType: '1.3.6.1.5.5.7.48.1.1', response: new OctetString(AsnConvert.serialize(basic)) }),
  });
  return Buffer.from(AsnConvert.serialize(response));
}
