#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Arguments, UsageError, type CliIo } from './args.js';
import { explain, EXPLAIN_USAGE, explainText } from './explain.js';
import { metadata, METADATA_USAGE, metadataText } from './metadata.js';
import { pkiDev, PKI_DEV_USAGE, pkiDevText } from './pki-dev.js';
import { runRedisVerb } from './redis.js';

export type { CliIo };

const USAGE = `Usage: oidc-provider-mtls <command>

Certificates (no Redis needed; --json prints JSON; exit 0 when the answer is yes, 1 otherwise):
  ${EXPLAIN_USAGE}
      the decision the provider would make for a certificate (and a client), step by step
  ${METADATA_USAGE}
      client registration metadata from a certificate
  ${PKI_DEV_USAGE}
      a throwaway development PKI with a README of curl and openssl commands

Storage (Redis, needs the ioredis package; --redis-url <url> or REDIS_URL is required):
  clients add|update <client.json>, clients get|remove <client_id>, clients list
  clients expiring [--days 30] [--json]
      registered certificates (jwks x5c) expiring within the window; exit 1 when there are any
  tokens revoke-certificate <x5t#S256> [--grants]
  Run "oidc-provider-mtls clients --help" for their options.`;

/** Runs one command; resolves to the exit code (0 yes / done, 1 no / failed, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    if (verb === 'clients' || verb === 'tokens') return await runRedisVerb(argv, io);
    if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
      io.out(USAGE);
      return verb === undefined ? 2 : 0;
    }
    const args = new Arguments(rest);
    const json = args.flag('--json');
    const print = <R>(report: R, text: (report: R) => string) => io.out(json ? JSON.stringify(report, null, 2) : text(report));
    switch (verb) {
      case 'explain': {
        const report = await explain(args);
        print(report, explainText);
        return report.ok ? 0 : 1;
      }
      case 'metadata':
        print(await metadata(args), metadataText);
        return 0;
      case 'pki':
        print(await pkiDev(args), pkiDevText);
        return 0;
      default:
        throw new UsageError(`unknown command: ${verb}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err((error as Error).message);
    return 1;
  }
}

// Run as a program, including through the symlink npm puts in node_modules/.bin.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
}
