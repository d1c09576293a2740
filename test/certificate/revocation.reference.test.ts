// RFC 5280 6.3.3 CRL processing checked against an implementation nobody here wrote: OpenSSL's
// `openssl verify -crl_check -extended_crl`, which reads issuingDistributionPoint scopes,
// distribution point and CRL reasons, indirect CRLs' certificateIssuer entries, and critical
// extensions. Generated certificates with one or two distribution points and generated CRLs
// (scope, reasons, entries, extensions) must get the same answer from both: good, revoked, or no
// answer (fixed, printed seed).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { GeneralName, type ReasonType } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { verifyCertificateChain } from '../../src/certificate/index.js';
import { issue, type TestCertificate } from '../support/pki.js';
import {
  certificateIssuer, createCrl, crlDistributionPoints, directoryName, issuingDistributionPoint, startRevocationServer, type RevocationServer,
} from '../support/revocation.js';

const run = promisify(execFile);
const SEED = Number(process.env.FUZZ_SEED ?? 6333);
const CASES = 150;
const REASONS: ReasonType[] = ['keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'];
const ENTRY_REASONS = [x509.X509CrlReason.keyCompromise, x509.X509CrlReason.superseded, x509.X509CrlReason.cessationOfOperation, x509.X509CrlReason.affiliationChanged];

const reasonSet = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.subarray(REASONS, { minLength: 1 }) },
);
const rarely = fc.constantFrom(false, false, false, false, false, false, true);
const crl = fc.record({
  // `own`: the point it is served at; `foreign`: a point the certificate does not name (another shard).
  scope: fc.constantFrom('none', 'own', 'own', 'own', 'foreign', 'unnamed'),
  only: fc.constantFrom(undefined, undefined, undefined, 'onlyContainsUserCerts', 'onlyContainsCACerts', 'onlyContainsAttributeCerts'),
  onlySomeReasons: reasonSet,
  // Entries in order; in an indirect CRL each may name its certificate issuer (5.3.3): the CA, another CA, or a URI only.
  entries: fc.uniqueArray(fc.record({
    who: fc.constantFrom('leaf', 'leaf', 'other-1', 'other-2'),
    reason: fc.constantFrom(...ENTRY_REASONS),
    issuer: fc.constantFrom(undefined, undefined, 'ours', 'other', 'uri'),
  }), { maxLength: 3, selector: (entry) => entry.who }),
  indirect: fc.constantFrom(false, false, true),
  criticalUnknown: rarely,
  delta: rarely,
  stale: rarely,
});
const spec = fc.array(fc.record({ reasons: reasonSet, crl: fc.option(crl, { nil: undefined, freq: 6 }) }), { minLength: 1, maxLength: 2 })
  .map((points) => points.map(({ reasons, crl: generated }) => {
    if (generated === undefined) return { reasons, crl: generated };
    // certificateIssuer belongs in indirect CRLs only (5.3.3), and indirectCRL needs a scope to be said in.
    const entries = generated.indirect ? generated.entries : generated.entries.map(({ who, reason }) => ({ who, reason, issuer: undefined }));
    // RFC 5280 5.2.5: a scope is never an empty sequence (neither decoder reads one).
    const empty = generated.scope === 'unnamed' && generated.only === undefined && generated.onlySomeReasons === undefined && !generated.indirect;
    const scope = empty ? 'none' as const : generated.indirect && generated.scope === 'none' ? 'unnamed' as const : generated.scope;
    const point = { reasons, crl: { ...generated, entries, scope } };
    // The cases where OpenSSL, which is handed a bag of CRLs rather than the CRL fetched from each
    // point, cannot tell which point a CRL is for are left to the single-point chains: a CRL
    // without a named scope (OpenSSL gives it the first point's reasons) or one it refuses outright
    // rather than passing over (a critical extension it cannot process).
    if (points.length === 1) return point;
    const named = point.crl.scope === 'none' || point.crl.scope === 'unnamed' ? 'own' : point.crl.scope;
    return { ...point, crl: { ...point.crl, scope: named, criticalUnknown: false } };
  }));
type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;
type Answer = 'good' | 'revoked' | 'unknown';

/**
 * OpenSSL 3.0's get_crl_score() turns a delta CRL away only in the branch for CRLs whose scope
 * has no onlySomeReasons, so a delta CRL with onlySomeReasons is used as if it were complete.
 * RFC 5280 6.3.3 (a) uses complete CRLs only (delta CRLs only with use-deltas, which this checker
 * does not implement), so such cases are left out of the comparison and counted.
 */
function deltaUsedAsComplete(points: Spec): boolean {
  return points.some((point) => point.crl?.delta === true && point.crl.scope !== 'none' && point.crl.onlySomeReasons !== undefined);
}

/**
 * An entry of the certificate that an indirect CRL attributes to an issuer named by a URI only:
 * OpenSSL compares directory names alone and so counts it for no one (good); this checker cannot
 * tell whether it is the issuer's, and gives no answer from that CRL (unknown, never good).
 */
function unattributable(points: Spec): boolean {
  return points.some((point) => {
    let issuer: string | undefined = 'ours';
    return point.crl?.entries.some((entry) => {
      issuer = entry.issuer ?? issuer;
      return entry.who === 'leaf' && issuer === 'uri';
    }) === true;
  });
}

function pem(der: Buffer): string {
  return `-----BEGIN X509 CRL-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END X509 CRL-----\n`;
}

async function openssl(dir: string, crlFiles: string[]): Promise<{ answer: Answer; error?: string }> {
  const args = ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'ca.pem'), '-crl_check', '-extended_crl'];
  for (const file of crlFiles) args.push('-CRLfile', file);
  args.push(join(dir, 'leaf.pem'));
  try {
    await run('openssl', args);
    return { answer: 'good' };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('this reference test needs the openssl command line tool on PATH', { cause: error });
    const found = /error (\d+) at (\d+) depth lookup/.exec(`${stdout}${stderr}`);
    assert.ok(found, `openssl failed otherwise: ${stderr}`);
    // 23: certificate revoked. Every other CRL error (3 unable to get CRL, 12 CRL expired,
    // 36 unhandled critical CRL extension, 44 different CRL scope...) means no answer.
    return { answer: found[1] === '23' ? 'revoked' : 'unknown', error: found[1]! };
  }
}

describe(`certificate/revocation against OpenSSL (seed ${SEED})`, () => {
  let dir: string;
  let server: RevocationServer;
  let root: TestCertificate;
  let ca: TestCertificate;
  // Certificates whose serial numbers fill CRLs besides the one checked.
  let others: TestCertificate[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-crl-'));
    server = await startRevocationServer();
    root = await issue({ subject: 'CN=CRL Reference Root,O=Tests', ca: true });
    ca = await issue({ subject: 'CN=CRL Reference CA,O=Tests', ca: true, issuer: root });
    others = [await issue({ subject: 'CN=other 1,O=Tests', issuer: ca }), await issue({ subject: 'CN=other 2,O=Tests', issuer: ca })];
    await writeFile(join(dir, 'root.pem'), root.pem);
    await writeFile(join(dir, 'ca.pem'), ca.pem);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function crlFor(spec: NonNullable<Spec[number]['crl']>, path: string, leaf: TestCertificate): Promise<Buffer> {
    const url = `${server.origin}${path}`;
    const extensions: x509.Extension[] = [];
    if (spec.scope !== 'none') {
      extensions.push(issuingDistributionPoint({
        ...(spec.scope === 'own' ? { urls: [url] } : spec.scope === 'foreign' ? { urls: [`${server.origin}/crl/elsewhere`] } : {}),
        ...(spec.only ? { [spec.only]: true } : {}),
        ...(spec.onlySomeReasons ? { onlySomeReasons: spec.onlySomeReasons } : {}),
        ...(spec.indirect ? { indirectCRL: true } : {}),
      }));
    }
    if (spec.criticalUnknown) extensions.push(new x509.Extension('1.3.6.1.4.1.55555.9.1', true, new Uint8Array([0x05, 0x00])));
    if (spec.delta) extensions.push(new x509.Extension('2.5.29.27', true, new Uint8Array([0x02, 0x01, 0x01])));
    const now = Date.now();
    return createCrl(ca, {
      ...(spec.stale ? { thisUpdate: new Date(now - 7200_000), nextUpdate: new Date(now - 3600_000) } : {}),
      entries: spec.entries.map(({ who, reason, issuer }) => ({
        cert: who === 'leaf' ? leaf : others[who === 'other-1' ? 0 : 1]!,
        reason,
        ...(issuer ? { extensions: [certificateIssuer([issuer === 'ours' ? directoryName(ca) : issuer === 'other' ? directoryName('CN=Other Reference CA,O=Tests') : new GeneralName({ uniformResourceIdentifier: 'https://ca.example/' })])] } : {}),
      })),
      extensions,
    });
  }

  it(`agrees with openssl verify -crl_check -extended_crl on ${CASES} generated certificates and CRLs`, async function () {
    this.timeout(180_000);
    const disagreements: string[] = [];
    const seen: Record<Answer, number> = { good: 0, revoked: 0, unknown: 0 };
    let deviations = 0;
    let stricter = 0;
    for (const [index, points] of fc.sample(spec, { seed: SEED, numRuns: CASES }).entries()) {
      if (deltaUsedAsComplete(points)) {
        deviations += 1;
        continue;
      }
      if (unattributable(points)) {
        stricter += 1;
        continue;
      }
      server.crls = {};
      const paths = points.map((_, point) => `/crl/${index}/${point}`);
      const leaf = await issue({
        subject: `CN=reference leaf ${index},O=Tests`,
        issuer: ca,
        extensions: [crlDistributionPoints(points.map((point, at) => ({ urls: [`${server.origin}${paths[at]}`], ...(point.reasons ? { reasons: point.reasons } : {}) })))],
      });
      await writeFile(join(dir, 'leaf.pem'), leaf.pem);
      const crlFiles: string[] = [];
      for (const [at, point] of points.entries()) {
        if (point.crl === undefined) continue;
        const der = await crlFor(point.crl, paths[at]!, leaf);
        server.crls[paths[at]!] = der;
        const file = join(dir, `crl-${at}.pem`);
        await writeFile(file, pem(der));
        crlFiles.push(file);
      }
      const verdict = await verifyCertificateChain(leaf.pem, {
        trustAnchors: [root.pem], intermediates: [ca.pem], revocation: { methods: ['crl'], scope: 'leaf', timeout: 2 },
      });
      const ours: Answer = verdict.valid ? 'good' : verdict.code === 'ERR_MTLS_CERT_REVOKED' ? 'revoked' : 'unknown';
      assert.ok(verdict.valid || ['ERR_MTLS_CERT_REVOKED', 'ERR_MTLS_REVOCATION_UNKNOWN'].includes(verdict.code), verdict.valid ? '' : verdict.message);
      const reference = await openssl(dir, crlFiles);
      seen[reference.answer] += 1;
      if (ours !== reference.answer) {
        disagreements.push(`#${index} ${JSON.stringify(points)}: ours ${ours}, openssl ${reference.answer} (error ${reference.error ?? '-'})${verdict.valid ? '' : ` (${verdict.message})`}`);
      }
    }
    console.log(`      ${CASES - deviations - stricter} cases compared (${seen.good} good, ${seen.revoked} revoked, ${seen.unknown} unknown); left out: ${deviations} where OpenSSL uses a delta CRL as complete, ${stricter} with an entry of the certificate attributed to a URI-only issuer`);
    assert.deepEqual(disagreements, []);
    // The generator must reach every answer, or the comparison proves little.
    assert.ok(seen.good > 0 && seen.revoked > 0 && seen.unknown > 0, JSON.stringify(seen));
  });
});
