// Scenarios 1 to 4: token requests against server processes (the host alone, the host with trivial
// mTLS hooks, the plugin, the plugin behind a header source), kept-alive, new-connection and resumed
// TLS, measured side by side; with `--before=<rev>`, each plugin variant also against that revision.
import { variant, withBeforeTwins, type Group } from '../groups.js';
import type { HostKind } from '../hosts.js';
import { measureGroup } from '../measure.js';
import { startServer, type ServerProcess } from '../processes.js';
import type { BenchContext, Row } from '../report.js';

const GROUPS: readonly Group[] = [
  {
    id: 'keep-alive',
    title: 'token endpoint, client_credentials, keep-alive TLS',
    variants: [
      variant('stock-basic', 'host alone, client_secret_basic', 'stock', 'basic', 'keep-alive'),
      variant('plugin-basic', 'with the plugin, client_secret_basic', 'plugin', 'basic', 'keep-alive'),
      variant('plugin-tls', 'plugin, tls_client_auth (3-cert chain + DN)', 'plugin', 'tls', 'keep-alive'),
      variant('plugin-self', 'plugin, self_signed_tls_client_auth', 'plugin', 'self', 'keep-alive'),
      variant('host-tls', 'host mTLS trivial hooks, tls_client_auth', 'host', 'tls', 'keep-alive'),
      variant('host-self', 'host mTLS trivial hooks, self_signed', 'host', 'self', 'keep-alive'),
      variant('header-tls', 'plugin, tls_client_auth via RFC 9440 header', 'header', 'tls-header', 'keep-alive'),
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
      variant('stock-full', 'no client certificate, full handshake', 'stock', 'basic', 'new-connection'),
      variant('plugin-full', 'plugin tls_client_auth, full handshake', 'plugin', 'tls', 'new-connection'),
      variant('host-full', 'host trivial tls_client_auth, full handshake', 'host', 'tls', 'new-connection'),
      variant('stock-resumed', 'no client certificate, TLS 1.3 resumption', 'stock', 'basic', 'resumed'),
      variant('plugin-resumed', 'plugin tls_client_auth, TLS 1.3 resumption', 'plugin', 'tls', 'resumed'),
      variant('host-resumed', 'host trivial tls_client_auth, TLS 1.3 resumption', 'host', 'tls', 'resumed'),
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

export async function run(context: BenchContext): Promise<Row[]> {
  const { before } = context;
  const groups = GROUPS
    .map((group) => ({ ...group, comparisons: group.comparisons.filter((comparison) => context.wanted(comparison.scenario)) }))
    .filter((group) => group.comparisons.length > 0)
    .map((group) => {
      const used = new Set(group.comparisons.flatMap((comparison) => [comparison.variant, comparison.baseline]));
      return { ...group, variants: group.variants.filter((v) => used.has(v.id)) };
    })
    .map((group) => (before === undefined ? group : withBeforeTwins(group, before.name)));
  const servers = new Map<HostKind, ServerProcess>();
  try {
    for (const kind of new Set(groups.flatMap((group) => group.variants.map((v) => v.host)))) {
      servers.set(kind, await startServer(kind, context.pkiFile, before === undefined ? {} : { BENCH_BEFORE_ROOT: before.root }));
    }
    const rows: Row[] = [];
    for (const group of groups) {
      context.log(`measuring ${group.title} (${group.variants.length} variants x ${context.settings.rounds} rounds)`);
      rows.push(...(await measureGroup(group, (v) => servers.get(v.host)!, context.load, context.pki, context.settings, context.log)).rows);
    }
    return rows;
  } finally {
    for (const server of servers.values()) await server.stop();
  }
}
