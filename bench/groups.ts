// Side-by-side groups, the harness's unit of measurement (measureGroup): variants of a group run in
// the same interleaved rounds against server processes, and each comparison is a ratio of two
// variants. Scenario modules define their groups (bench/scenarios/token-requests.ts, redis.ts...).
import type { HostKind } from './hosts.js';
import { CLIENT_SECRET } from './hosts.js';
import type { BenchPki } from './pki.js';
import type { ConnectionMode, LoadJob } from './protocol.js';

/** Who asks for the token, and how the certificate travels. */
export type Caller = 'basic' | 'tls' | 'self' | 'direct' | 'tls-header';

export interface Variant {
  id: string;
  label: string;
  host: HostKind;
  caller: Caller;
  mode: ConnectionMode;
}

export interface Comparison {
  scenario: string;
  label: string;
  variant: string;
  baseline: string;
  /** Lowest acceptable ratio; undefined when the issue asks only to report it. */
  target?: number;
  /** What the target is, when it is not a plain "at least". */
  targetNote?: string;
}

export interface Group {
  id: string;
  title: string;
  variants: Variant[];
  comparisons: Comparison[];
}

/** Callers that present a client certificate, so every token they get must be bound to it. */
export const PRESENTS_CERTIFICATE: ReadonlySet<Caller> = new Set(['tls', 'self', 'direct', 'tls-header']);

/** A variant of a group. */
export const variant = (id: string, label: string, host: HostKind, caller: Caller, mode: ConnectionMode): Variant => ({ id, label, host, caller, mode });

/** The hosts that run this package, and their twins running the `--before` revision. */
const BEFORE_TWINS: Partial<Record<HostKind, HostKind>> = { plugin: 'plugin-before', header: 'header-before' };

/**
 * `group` with the `--before` revision side by side: every variant on a host running this package
 * gets a twin on the same host kind running `revision`, measured in the same rounds, and a row
 * "after / before" in the scenario of the first comparison that uses the variant.
 */
export function withBeforeTwins(group: Group, revision: string): Group {
  const twins = group.variants.flatMap((subject) => {
    const host = BEFORE_TWINS[subject.host];
    const scenario = group.comparisons.find((c) => c.variant === subject.id || c.baseline === subject.id)?.scenario;
    if (host === undefined || scenario === undefined) return [];
    return [{
      variant: variant(`${subject.id}@before`, `${subject.label}, ${revision}`, host, subject.caller, subject.mode),
      comparison: { scenario, label: `${subject.label}: after / before (${revision})`, variant: subject.id, baseline: `${subject.id}@before`, targetNote: 'within noise of 1' },
    }];
  });
  return {
    ...group,
    variants: [...group.variants, ...twins.map((twin) => twin.variant)],
    comparisons: [...group.comparisons, ...twins.map((twin) => twin.comparison)],
  };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The request a variant sends, as a load job for the generator. */
export function jobFor(variant: Variant, pki: BenchPki, port: number, settings: { concurrency: number; warmupMs: number; durationMs: number }): LoadJob {
  const base = {
    url: `https://127.0.0.1:${port}/token`,
    method: 'POST' as const,
    mode: variant.mode,
    expectStatus: 200,
    ...settings,
  };
  switch (variant.caller) {
    case 'basic':
      return {
        ...base,
        headers: { ...FORM, authorization: `Basic ${Buffer.from(`basic:${CLIENT_SECRET}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      };
    case 'tls':
      return { ...base, headers: FORM, body: 'grant_type=client_credentials&client_id=tls', cert: pki.client.pem + pki.intermediate.pem, key: pki.client.keyPem };
    case 'direct':
      return { ...base, headers: FORM, body: 'grant_type=client_credentials&client_id=direct', cert: pki.direct.pem, key: pki.direct.keyPem };
    case 'self':
      return { ...base, headers: FORM, body: 'grant_type=client_credentials&client_id=self', cert: pki.selfSigned.pem, key: pki.selfSigned.keyPem };
    case 'tls-header':
      // As a TLS-terminating proxy forwards it (RFC 9440 sections 2.2 and 2.3).
      return {
        ...base,
        headers: { ...FORM, 'client-cert': `:${pki.client.der}:`, 'client-cert-chain': `:${pki.intermediate.der}:` },
        body: 'grant_type=client_credentials&client_id=tls',
      };
  }
}
