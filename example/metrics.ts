// Prometheus metrics built on the package's diagnostics channels (prom-client is the example's
// choice, not a dependency of the package): count refusals by code and alert on them, e.g.
//   sum by (code) (rate(oidc_mtls_authentications_total{outcome="refused"}[5m])) > 0.1
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { CHANNELS, type AuthenticationMessage, type CertificateExpiringMessage, type VerdictCacheMessage } from '../src/index.js';

export interface Metrics {
  /** `http://127.0.0.1:<port>/metrics`, in the Prometheus text format. */
  url: string;
  close(): void;
}

export async function startMetrics(port: number): Promise<Metrics> {
  const registry = new Registry();
  const authentications = new Counter({
    name: 'oidc_mtls_authentications_total',
    help: 'Certificate-authenticated requests, by outcome, client authentication method, refusal code and certificate source',
    labelNames: ['outcome', 'method', 'code', 'source'] as const,
    registers: [registry],
  });
  const verdictCache = new Counter({ name: 'oidc_mtls_verdict_cache_total', help: 'Certificate verdict cache lookups', labelNames: ['result'] as const, registers: [registry] });
  const untrustedProxies = new Counter({ name: 'oidc_mtls_untrusted_proxy_total', help: 'Certificate headers from sources that are not trusted proxies', registers: [registry] });
  const expiring = new Counter({ name: 'oidc_mtls_certificate_expiring_total', help: 'Clients authenticating with a certificate close to its expiry (once per certificate per day)', labelNames: ['method'] as const, registers: [registry] });

  // Client ids are left out of the labels: one series per client would not scale to device fleets.
  const listeners: [string, (message: unknown) => void][] = [
    [CHANNELS.authentication, (message) => {
      const { outcome, method, code, source } = message as AuthenticationMessage;
      authentications.inc({ outcome, method: method ?? 'unknown', code: code ?? 'none', source });
    }],
    [CHANNELS.verdictCache, (message) => verdictCache.inc({ result: (message as VerdictCacheMessage).result })],
    [CHANNELS.proxyUntrusted, () => untrustedProxies.inc()],
    [CHANNELS.certificateExpiring, (message) => expiring.inc({ method: (message as CertificateExpiringMessage).method })],
  ];
  for (const [name, listener] of listeners) subscribe(name, listener);

  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(text);
    }, () => res.writeHead(500).end());
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    close() {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
      server.closeAllConnections();
      server.close();
    },
  };
}
