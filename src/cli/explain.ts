import { TrustAnchors } from '../certificate/anchors.js';
import type { ClientCertificate } from '../certificate/certificate.js';
import { profileOf } from '../certificate/profile.js';
import type { RevocationEvent, RevocationMode } from '../certificate/revocation/types.js';
import { resolveSettings, runVerification, type ChainVerdict } from '../certificate/verify.js';
import type { MtlsErrorCode } from '../errors.js';
import { Arguments, UsageError } from './args.js';
import { clientText, explainClient, type ClientReport } from './explain-client.js';
import { readCertificates, readJsonObject, readLeaf } from './files.js';
import { summarize, type CertificateSummary } from '../certificate/summary.js';

export const EXPLAIN_USAGE = 'explain <cert.pem> --anchors <ca.pem>... [--chain <pem>...] [--client <client.json>] [--at <ISO time>] [--revocation off|soft-fail|hard-fail] [--self-signed-validity enforce|ignore] [--json]';

/** One RFC 5280 check the path validator makes, and the codes it refuses with. */
interface CheckSpec {
  readonly check: string;
  readonly rfc5280: string;
  readonly codes: readonly MtlsErrorCode[];
}

/** The checks of the engine's path validation (src/certificate/path.ts), by refusal code. */
const CHECKS: readonly CheckSpec[] = [
  { check: 'strict DER and certificate profile', rfc5280: '4.1', codes: ['ERR_MTLS_CERT_MALFORMED'] },
  { check: 'issuer name chaining to a trust anchor', rfc5280: '6.1.3 (a)(4)', codes: ['ERR_MTLS_CHAIN_UNTRUSTED', 'ERR_MTLS_ANCHOR_NOT_ALLOWED'] },
  { check: 'signatures', rfc5280: '6.1.3 (a)(1)', codes: ['ERR_MTLS_CHAIN_SIGNATURE'] },
  { check: 'algorithm and key strength', rfc5280: '4.1.1.2', codes: ['ERR_MTLS_WEAK_ALGORITHM'] },
  { check: 'validity period', rfc5280: '6.1.3 (a)(2)', codes: ['ERR_MTLS_CERT_EXPIRED', 'ERR_MTLS_CERT_NOT_YET_VALID'] },
  { check: 'basic constraints: every issuer is a CA', rfc5280: '6.1.4 (k)', codes: ['ERR_MTLS_CHAIN_NOT_CA'] },
  { check: 'path length', rfc5280: '6.1.4 (l), (m)', codes: ['ERR_MTLS_CHAIN_PATH_LENGTH', 'ERR_MTLS_CHAIN_TOO_LONG'] },
  { check: 'key usage', rfc5280: '6.1.4 (n)', codes: ['ERR_MTLS_KEY_USAGE'] },
  { check: 'extended key usage id-kp-clientAuth', rfc5280: '4.2.1.12', codes: ['ERR_MTLS_EKU'] },
  { check: 'name constraints', rfc5280: '6.1.3 (b), (c)', codes: ['ERR_MTLS_NAME_CONSTRAINTS'] },
  { check: 'certificate policies', rfc5280: '6.1.3 (d)-(f), 6.1.5', codes: ['ERR_MTLS_POLICY'] },
  { check: 'critical extensions understood', rfc5280: '6.1.4 (o), 6.1.5 (f)', codes: ['ERR_MTLS_CRITICAL_EXTENSION'] },
  { check: 'revocation status', rfc5280: '6.1.3 (a)(3), 6.3', codes: ['ERR_MTLS_CERT_REVOKED', 'ERR_MTLS_REVOCATION_UNKNOWN'] },
];

interface CheckOutcome {
  readonly check: string;
  readonly rfc5280: string;
  /**
   * `not-reached`: validation stops at its first failure, so later checks have no outcome.
   * `unknown-passed`: a revocation status could not be established and `soft-fail` let it pass.
   */
  readonly outcome: 'pass' | 'fail' | 'not-reached' | 'off' | 'unknown-passed';
  readonly detail?: string;
}

interface ExplainReport {
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly at: string;
  readonly certificate: CertificateSummary;
  /** The path the validator built (leaf first), or, when none, what it looked for. */
  readonly path:
    | { readonly built: true; readonly chain: readonly CertificateSummary[]; readonly anchor: CertificateSummary }
    | { readonly built: false; readonly issuerLookedFor: string; readonly anchorsWithThatName: number; readonly intermediatesWithThatName: number; readonly anchors: readonly string[] }
    | { readonly built: false; readonly skipped: string };
  readonly checks: readonly CheckOutcome[];
  readonly revocation: { readonly mode: RevocationMode; readonly unknown: readonly RevocationEvent[] };
  readonly client?: ClientReport;
}

/** `explain`: the decision the provider would make for this certificate, step by step. */
export async function explain(args: Arguments): Promise<ExplainReport> {
  const anchorFiles = args.list('--anchors');
  const chainFiles = args.list('--chain');
  const clientFile = args.option('--client');
  const atText = args.option('--at');
  const mode = (args.option('--revocation') ?? 'off') as RevocationMode;
  const validity = args.option('--self-signed-validity') ?? 'enforce';
  const [certFile] = args.positionals(1, 'one <cert.pem>');
  if (!['off', 'soft-fail', 'hard-fail'].includes(mode)) throw new UsageError('--revocation must be off, soft-fail or hard-fail');
  if (validity !== 'enforce' && validity !== 'ignore') throw new UsageError('--self-signed-validity must be enforce or ignore (createMtls selfSignedValidity)');
  const at = atText === undefined ? new Date() : new Date(atText);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at ${atText} is not an ISO 8601 time`);

  const { leaf, chain: bundled } = await readLeaf(certFile!);
  const intermediates = [...bundled, ...(await Promise.all(chainFiles.map(readCertificates))).flat()];
  const anchorList = (await Promise.all(anchorFiles.map(readCertificates))).flat();
  const client = clientFile === undefined ? undefined : await readJsonObject(clientFile);
  const selfSigned = client?.token_endpoint_auth_method === 'self_signed_tls_client_auth';
  if (anchorList.length === 0 && !selfSigned) throw new UsageError('--anchors is required (except for a self_signed_tls_client_auth --client)');

  const unknown: RevocationEvent[] = [];
  let verdict: ChainVerdict | undefined;
  if (anchorList.length) {
    const anchors = TrustAnchors.from(anchorList);
    // The engine's own settings and verification, as the provider's validator runs them, with
    // the paths to every anchor (what a client's anchor pins choose from).
    const settings = resolveSettings({ revocation: { mode, onEvent: (event) => unknown.push(event) } }, '--');
    verdict = (await runVerification(leaf, intermediates, anchors, settings, at.getTime(), undefined, true)).verdict;
  }
  const clientReport = client === undefined ? undefined : await explainClient(client, leaf, verdict, anchorList, at.getTime(), validity);
  const failure = clientReport?.verdict ?? (verdict?.valid === false ? verdict : undefined);
  return {
    ok: failure === undefined || failure.valid,
    ...(failure && !failure.valid ? { code: failure.code, message: failure.message } : {}),
    at: at.toISOString(),
    certificate: summarize(leaf),
    path: verdict === undefined ? { built: false, skipped: 'no --anchors: a self-signed client\'s certificate is not path-validated' } : pathOf(verdict, leaf, intermediates, anchorList),
    checks: verdict === undefined ? [] : checksOf(verdict, mode, unknown.length > 0),
    revocation: { mode, unknown },
    ...(clientReport ? { client: clientReport } : {}),
  };
}

function pathOf(verdict: ChainVerdict, leaf: ClientCertificate, intermediates: readonly ClientCertificate[], anchors: readonly ClientCertificate[]): ExplainReport['path'] {
  if (verdict.valid) return { built: true, chain: verdict.chain.map(summarize), anchor: summarize(verdict.anchor) };
  // The names compare the way path building compares them (RFC 5280 7.1 keys of the engine).
  const wanted = profileOf(leaf).issuer.key;
  const named = (list: readonly ClientCertificate[]) => list.filter((c) => profileOf(c).subject.key === wanted).length;
  return {
    built: false,
    issuerLookedFor: leaf.issuerDn,
    anchorsWithThatName: named(anchors),
    intermediatesWithThatName: named(intermediates),
    anchors: anchors.map((anchor) => anchor.subjectDn),
  };
}

function checksOf(verdict: ChainVerdict, mode: RevocationMode, statusUnknown: boolean): CheckOutcome[] {
  return CHECKS.map(({ check, rfc5280, codes }) => {
    if (codes.includes('ERR_MTLS_CERT_REVOKED') && mode === 'off') return { check, rfc5280, outcome: 'off' };
    if (codes.includes('ERR_MTLS_CERT_REVOKED') && verdict.valid && statusUnknown) return { check, rfc5280, outcome: 'unknown-passed' };
    if (verdict.valid) return { check, rfc5280, outcome: 'pass' };
    if (codes.includes(verdict.code)) return { check, rfc5280, outcome: 'fail', detail: `${verdict.code}: ${verdict.message}` };
    // Every certificate is decoded before any other check runs.
    if (codes.includes('ERR_MTLS_CERT_MALFORMED')) return { check, rfc5280, outcome: 'pass' };
    return { check, rfc5280, outcome: 'not-reached' };
  });
}

/** Human rendering of {@link explain}'s report. */
export function explainText(report: ExplainReport): string {
  const lines = [`Certificate (at ${report.at})`, ...describe(report.certificate), ''];
  const { path } = report;
  if (path.built) {
    lines.push('Path built');
    path.chain.forEach((certificate, index) => {
      lines.push(`  [${index}] ${index === 0 ? 'leaf' : 'intermediate'}: ${certificate.subject}`, `      x5t#S256 ${certificate['x5t#S256']}, valid until ${certificate.notAfter}`);
    });
    lines.push(`  anchor: ${path.anchor.subject}`, `      SPKI pin (tls_client_auth_anchor_pins) ${path.anchor.spkiSha256}`);
  } else if ('skipped' in path) {
    lines.push(`Path: not built (${path.skipped})`);
  } else {
    lines.push(
      'Path: none built',
      `  issuer looked for: ${path.issuerLookedFor}`,
      `  anchors with that name: ${path.anchorsWithThatName}, intermediates with that name: ${path.intermediatesWithThatName}`,
      `  anchors given: ${path.anchors.join(' | ')}`,
    );
    if (path.anchorsWithThatName === 0 && path.intermediatesWithThatName === 0) {
      lines.push('  hint: the issuing CA is neither an anchor nor given with --chain; behind a proxy that forwards only the leaf, configure `intermediates`');
    }
  }
  if (report.checks.length) {
    lines.push('', 'RFC 5280 checks');
    for (const check of report.checks) {
      lines.push(`  ${check.outcome.padEnd(14)} ${check.check} (${check.rfc5280})${check.detail ? `\n                 ${check.detail}` : ''}`);
    }
  }
  if (report.revocation.unknown.length) {
    lines.push('', 'Revocation status unknown');
    for (const event of report.revocation.unknown) lines.push(`  ${event.subject}: ${event.reason}`);
  }
  if (report.client) lines.push('', ...clientText(report.client));
  lines.push('', report.ok ? 'Verdict: accepted' : `Verdict: refused ${report.code}: ${report.message}`);
  return lines.join('\n');
}

/** Human lines for a summary, indented. */
function describe(summary: CertificateSummary, indent = '    '): string[] {
  return [
    `${indent}subject    ${summary.subject || '(empty)'}`,
    `${indent}issuer     ${summary.issuer}`,
    ...(summary.subjectAltNames.length ? [`${indent}SANs       ${summary.subjectAltNames.join(', ')}`] : []),
    `${indent}valid      ${summary.notBefore} .. ${summary.notAfter}`,
    `${indent}x5t#S256   ${summary['x5t#S256']}`,
  ];
}
