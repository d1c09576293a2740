// A real nginx (the distribution's binary) in front of a test upstream: it terminates TLS, asks
// the client for a certificate, and forwards it in a header, over http or over https with its own
// client certificate for the hop. Everything lives in a temporary directory; loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestCertificate } from './pki.js';

/** Where Debian installs nginx; override with NGINX_BINARY. */
export const NGINX_BINARY = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';

export interface NginxOptions {
  /** nginx's own TLS certificate for its listener (the test server certificate). */
  server: TestCertificate;
  /** CAs that nginx sends in its certificate request and, with `verifyClient: 'on'`, verifies against. */
  clientCas: readonly TestCertificate[];
  /** `ssl_verify_client`: `optional_no_ca` forwards any certificate (self-signed too). @default 'optional_no_ca' */
  verifyClient?: 'on' | 'optional' | 'optional_no_ca';
  /** Upstream origin, `http://127.0.0.1:PORT` or `https://localhost:PORT`. */
  upstream: string;
  /** For an https upstream: the CA to verify it with, and nginx's client certificate for the hop. */
  upstreamTls?: { ca: TestCertificate; clientCertificate?: TestCertificate };
  /** Request headers nginx sets, name to nginx value (e.g. `$ssl_client_escaped_cert`). */
  headers: Readonly<Record<string, string>>;
}

export interface StartedNginx {
  /** `https://localhost:PORT` */
  origin: string;
  port: number;
  /** The error log so far, for assertion messages. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** A port that was free a moment ago; nginx cannot listen on port 0 and report it. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) {
      throw new Error(`nginx exited with ${child.exitCode}: ${await readFile(log, 'utf8').catch(() => '')}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(25);
  }
  throw new Error(`nginx did not listen on ${port}: ${await readFile(log, 'utf8').catch(() => '')}`);
}

const quote = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

function config(dir: string, port: number, options: NginxOptions): string {
  const upstream = new URL(options.upstream);
  const tls = options.upstreamTls;
  const proxyTls = upstream.protocol === 'https:'
    ? [
      `proxy_ssl_trusted_certificate ${join(dir, 'upstream-ca.pem')};`,
      'proxy_ssl_verify on;',
      `proxy_ssl_name ${upstream.hostname};`,
      ...(tls?.clientCertificate
        ? [`proxy_ssl_certificate ${join(dir, 'proxy.pem')};`, `proxy_ssl_certificate_key ${join(dir, 'proxy.key')};`]
        : []),
    ]
    : [];
  const headers = Object.entries(options.headers).map(([name, value]) => `proxy_set_header ${name} ${quote(value)};`);
  return `
daemon off;
master_process on;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;  # workers must reach the private temp directory' : ''}
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${join(dir, 'server.pem')};
    ssl_certificate_key ${join(dir, 'server.key')};
    ssl_client_certificate ${join(dir, 'client-ca.pem')};
    ssl_verify_client ${options.verifyClient ?? 'optional_no_ca'};
    ssl_verify_depth 3;
    location / {
      proxy_pass ${upstream.origin};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto https;
      ${[...proxyTls, ...headers].join('\n      ')}
    }
  }
}
`;
}

/** Starts nginx as a child process and waits until it accepts connections. */
export async function startNginx(options: NginxOptions): Promise<StartedNginx> {
  if (!existsSync(NGINX_BINARY)) throw new Error(`nginx is not installed at ${NGINX_BINARY} (apt-get install nginx)`);
  const dir = await mkdtemp(join(tmpdir(), 'mtls-nginx-'));
  await writeFile(join(dir, 'server.pem'), options.server.pem);
  await writeFile(join(dir, 'server.key'), options.server.keyPem, { mode: 0o600 });
  await writeFile(join(dir, 'client-ca.pem'), options.clientCas.map((ca) => ca.pem).join(''));
  if (options.upstreamTls) {
    await writeFile(join(dir, 'upstream-ca.pem'), options.upstreamTls.ca.pem);
    if (options.upstreamTls.clientCertificate) {
      await writeFile(join(dir, 'proxy.pem'), options.upstreamTls.clientCertificate.pem);
      await writeFile(join(dir, 'proxy.key'), options.upstreamTls.clientCertificate.keyPem, { mode: 0o600 });
    }
  }
  const log = join(dir, 'error.log');
  for (let attempt = 0; ; attempt += 1) {
    const port = await freePort();
    const file = join(dir, 'nginx.conf');
    await writeFile(file, config(dir, port, options));
    const child = spawn(NGINX_BINARY, ['-p', dir, '-c', file, '-e', log], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    try {
      await waitForPort(port, child, log);
    } catch (error) {
      child.kill('SIGKILL');
      // Another process took the port between freePort() and nginx's bind: try another one.
      if (attempt < 3 && /Address already in use/.test(`${stderr}${String(error)}`)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`${String(error)}\n${stderr}`);
    }
    return {
      origin: `https://localhost:${port}`,
      port,
      errorLog: () => readFile(log, 'utf8'),
      async stop() {
        if (child.exitCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
