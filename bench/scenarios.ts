// Scenarios 1 to 4: token requests against server processes, measured side by side. Variants of a
// group run in the same interleaved rounds, and each comparison is a ratio of two variants.
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

const v = (id: string, label: string, host: HostKind, caller: Caller, mode: ConnectionMode): Variant => ({ id, label, host, caller, mode });

export const GROUPS: readonly Group[] = [
  {
    id: 'keep-alive',
    title: 'token endpoint, client_credentials, keep-alive TLS',
    variants: [
      v('stock-basic', 'host alone, client_secret_basic', 'stock', 'basic', 'keep-alive'),
      v('plugin-basic', 'with the plugin, client_secret_basic', 'plugin', 'basic', 'keep-alive'),
      v('plugin-tls', 'plugin, tls_client_auth (3-cert chain + DN)', 'plugin', 'tls', 'keep-alive'),
      v('plugin-self', 'plugin, self_signed_tls_client_auth', 'plugin', 'self', 'keep-alive'),
      v('host-tls', 'host mTLS trivial hooks, tls_client_auth', 'host', 'tls', 'keep-alive'),
      v('host-self', 'host mTLS trivial hooks, self_signed', 'host', 'self', 'keep-alive'),
      v('header-tls', 'plugin, tls_client_auth via RFC 9440 header', 'header', 'tls-header', 'keep-alive'),
    ],
    comparisons: [
      { scenario: '1', label: 'tls_client_auth / client_secret_basic (host alone)', variant: 'plugin-tls', baseline: 'stock-basic', target: 0.95 },
      { scenario: '1', label: 'self_signed_tls_client_auth / client_secret_basic (host alone)', variant: 'plugin-self', baseline: 'stock-basic', target: 0.95 },
      { scenario: '1', label: 'client_secret_basic with the plugin / without', variant: 'plugin-basic', baseline: 'stock-basic' },
      { scenario: '2', label: 'tls_client_auth: plugin / host trivial hooks', variant: 'plugin-tls', baseline: 'host-tls', target: 0.95 },
      { scenario: '2', label: 'self_signed: plugin / host trivial hooks', variant: 'plugin-self', baseline: 'host-self', target: 0.95 },
      { scenario: '2', label: 'host trivial tls_client_auth / client_secret_basic', variant: 'host-tls', baseline: 'stock-basic', targetNote: 'issue: ~0.98' },
      { scenario: '4', label: 'RFC 9440 header source / socket source', variant: 'header-tls', baseline: 'plugin-tls', target: 0.95 },
    ],
  },
  {
    id: 'handshake',
    title: 'token endpoint, a new TLS connection per request',
    variants: [
      v('stock-full', 'no client certificate, full handshake', 'stock', 'basic', 'new-connection'),
      v('plugin-full', 'plugin tls_client_auth, full handshake', 'plugin', 'tls', 'new-connection'),
      v('host-full', 'host trivial tls_client_auth, full handshake', 'host', 'tls', 'new-connection'),
      v('stock-resumed', 'no client certificate, TLS 1.3 resumption', 'stock', 'basic', 'resumed'),
      v('plugin-resumed', 'plugin tls_client_auth, TLS 1.3 resumption', 'plugin', 'tls', 'resumed'),
      v('host-resumed', 'host trivial tls_client_auth, TLS 1.3 resumption', 'host', 'tls', 'resumed'),
    ],
    comparisons: [
      { scenario: '3', label: 'full handshake: plugin tls_client_auth / no client cert', variant: 'plugin-full', baseline: 'stock-full', targetNote: 'report (host ~0.8)' },
      { scenario: '3', label: 'full handshake: host trivial tls_client_auth / no client cert', variant: 'host-full', baseline: 'stock-full', targetNote: 'report (issue: ~0.8)' },
      { scenario: '3', label: 'full handshake: plugin / host trivial hooks', variant: 'plugin-full', baseline: 'host-full', target: 0.95, targetNote: 'no regression' },
      { scenario: '3', label: 'resumed: plugin tls_client_auth / no client cert', variant: 'plugin-resumed', baseline: 'stock-resumed', targetNote: 'report' },
      { scenario: '3', label: 'resumed: plugin / host trivial hooks', variant: 'plugin-resumed', baseline: 'host-resumed', target: 0.95, targetNote: 'no regression' },
      { scenario: '3', label: 'plugin tls_client_auth: resumed / full handshake', variant: 'plugin-resumed', baseline: 'plugin-full', targetNote: 'report' },
    ],
  },
];

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
