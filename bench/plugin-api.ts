// The adapter between the bench and a revision of the package: the working tree's, imported as
// usual, or an earlier one's (`--before`), loaded by path from its extracted tree. Both go through
// adapt(), so they are configured with the very same calls and options: the bench's trust anchor,
// an RFC 9440 header source believing only the given proxy addresses, createMtlsServer with the
// bench's TLS key. These options have the same names and meaning in 0.1.x and 0.2.x, and no
// duration is passed, so 0.2.0's change from milliseconds to seconds does not arise; each revision
// keeps its own defaults, which is part of what the comparison measures. Where the exports live:
// - createMtls, createMtlsServer: the package root (src/index.ts) in both;
// - headerSource: the root in 0.1.x, the `./proxy` subpath in 0.2.x, and src/intake/index.ts in
//   both, which is where it is taken from;
// - the certificate engine (scenario 5): the root in 0.1.x, `./certificate` in 0.2.x, and
//   src/certificate/index.ts in both.
// A revision that moves or renames any of these fails here, at start-up, naming the export.
import type { Server } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as certificate from '../src/certificate/index.js';
import { createMtls, createMtlsServer, type Mtls } from '../src/index.js';
import { headerSource } from '../src/intake/index.js';

/** What a host of the bench asks of the plugin. */
export interface PluginApi {
  /** The plugin reading the certificate from the TLS socket. */
  socket(trustAnchors: string[]): Mtls;
  /** The plugin reading an RFC 9440 `Client-Cert` header, believed only from `proxies` (CIDR). */
  header(trustAnchors: string[], proxies: string[]): Mtls;
  /** The HTTPS server the socket source needs (it asks for the client certificate). */
  server(tls: { key: string; cert: string }): Server;
}

/** What scenario 5 measures of the certificate engine. */
export type CertificateApi = Pick<typeof certificate, 'ClientCertificate' | 'createCertificateValidator' | 'subjectMatches' | 'verifyCertificateChain'>;

interface PluginExports {
  createMtls: typeof createMtls;
  createMtlsServer: typeof createMtlsServer;
  headerSource: typeof headerSource;
}

function adapt(exports: PluginExports): PluginApi {
  return {
    socket: (trustAnchors) => exports.createMtls({ trustAnchors }),
    header: (trustAnchors, addresses) => exports.createMtls({
      trustAnchors,
      certificateSource: exports.headerSource({ format: 'rfc9440', trustedProxies: { addresses } }),
    }),
    server: (tls) => exports.createMtlsServer(tls),
  };
}

/** The working tree's plugin. */
export const CURRENT_PLUGIN: PluginApi = adapt({ createMtls, createMtlsServer, headerSource });

/** The working tree's certificate engine. */
export const CURRENT_CERTIFICATE: CertificateApi = certificate;

type Module = Readonly<Record<string, unknown>>;

const load = async (root: string, file: string): Promise<Module> => import(pathToFileURL(join(root, file)).href) as Promise<Module>;

/**
 * An export of a revision's module, checked to be a function (or class). Its type is the working
 * tree's: the bench calls it only in the ways the header of this file lists, which both share.
 */
function exported<T>(module: Module, name: string, file: string): T {
  const value = module[name];
  if (typeof value !== 'function') throw new Error(`the --before revision's ${file} has no ${name} function: add its location to bench/plugin-api.ts`);
  return value as T;
}

/** The plugin of the revision extracted at `root`. */
export async function loadRevisionPlugin(root: string): Promise<PluginApi> {
  const [index, intake] = await Promise.all([load(root, 'src/index.ts'), load(root, 'src/intake/index.ts')]);
  return adapt({
    createMtls: exported(index, 'createMtls', 'src/index.ts'),
    createMtlsServer: exported(index, 'createMtlsServer', 'src/index.ts'),
    headerSource: exported(intake, 'headerSource', 'src/intake/index.ts'),
  });
}

/** The certificate engine of the revision extracted at `root`. */
export async function loadRevisionCertificate(root: string): Promise<CertificateApi> {
  const file = 'src/certificate/index.ts';
  const engine = await load(root, file);
  return {
    ClientCertificate: exported(engine, 'ClientCertificate', file),
    createCertificateValidator: exported(engine, 'createCertificateValidator', file),
    subjectMatches: exported(engine, 'subjectMatches', file),
    verifyCertificateChain: exported(engine, 'verifyCertificateChain', file),
  };
}
