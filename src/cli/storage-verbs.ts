import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { Provider, type AdapterFactory, type ClientMetadata, type Configuration, type JWK } from 'oidc-provider';
import { createRedisAdapter } from '../../adapters/redis/create.js';
import { configureProvider } from '../plugin/configure.js';
import { UsageError, type CliIo } from './args.js';

const USAGE = `Usage: oidc-provider-mtls <command> [--provider <module>] [--cluster]

Commands:
  clients add <client.json>         store a new client (validated with the provider's client schema)
  clients update <client.json>      replace a stored client
  clients get <client_id>           print a stored client
  clients list                      print every stored client
  clients remove <client_id>        delete a stored client
  tokens revoke-certificate <x5t#S256> [--grants]
                                    delete every token bound to that certificate; with --grants,
                                    also the grants of those tokens and all their other tokens
                                    (refresh tokens included: use it for a leaked key)

Options:
  --provider <module>  a module whose default export is your Provider (or a function returning
                       one); its configuration decides which client metadata is valid. Without it,
                       a provider with every client authentication method, mTLS, and the
                       client_credentials and device_code grants enabled is used.
  --cluster            REDIS_URL names one node of a Redis Cluster

Environment:
  REDIS_URL             the Redis server (required here or as --redis-url)
  OIDC_MTLS_KEY_PREFIX  the adapter's keyPrefix, default "oidc:"`;


/**
 * A provider that accepts every client authentication method, mTLS and the client credentials and
 * device grants, for validation only; it never listens. `--provider` gives the exact schema.
 */
function validationProvider(adapter: AdapterFactory): Provider {
  // A key of the host's default ID token algorithm (RS256), which client validation insists on; given
  // here, with the adapter, so the host does not print its quick-start warnings.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // The plugin's own configuration step: its client metadata (anchor pins) and registration checks
  // (RFC 4514 subject DN, SAN IP) apply here as they do in a provider that uses the plugin.
  return new Provider('https://validation.invalid', configureProvider({
    adapter,
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), use: 'sig' } as JWK] },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
    },
  }, { tlsClientAuth: true, selfSignedTlsClientAuth: true, certificateBoundAccessTokens: true }) as Configuration);
}

async function loadProvider(module: string | undefined, adapter: AdapterFactory): Promise<Provider> {
  if (module === undefined) return validationProvider(adapter);
  const exported = (await import(pathToFileURL(resolve(module)).href) as { default?: unknown }).default;
  const provider = typeof exported === 'function' && !(exported instanceof Provider)
    ? await (exported as () => unknown)()
    : exported;
  if (!(provider instanceof Provider)) {
    throw new UsageError(`--provider ${module} must export a Provider (or a function returning one) as default`);
  }
  return provider;
}

function connect(url: string, cluster: boolean): Redis | Cluster {
  // Fail fast instead of retrying for minutes when Redis is not there.
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: true, retryStrategy: () => null };
  if (!cluster) return new Redis(url, options);
  const { hostname, port } = new URL(url);
  return new Cluster([{ host: hostname, port: Number(port || 6379) }], { redisOptions: options, clusterRetryStrategy: () => null });
}

async function readClient(file: string | undefined): Promise<ClientMetadata> {
  if (file === undefined) throw new UsageError('missing <client.json>');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClientMetadata;
  } catch (cause) {
    throw new UsageError(`${file} is not a readable JSON file: ${(cause as Error).message}`);
  }
}

/** Runs one command; resolves to the process exit code (0 done, 1 refused or failed, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  const flag = (name: string) => {
    const index = args.indexOf(name);
    if (index === -1) return false;
    args.splice(index, 1);
    return true;
  };
  const option = (name: string) => {
    const index = args.indexOf(name);
    if (index === -1) return undefined;
    const [, value] = args.splice(index, 2);
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    return value;
  };

  let client: Redis | Cluster | undefined;
  try {
    if (flag('--help') || flag('-h')) {
      io.out(USAGE);
      return 0;
    }
    const cluster = flag('--cluster');
    const providerModule = option('--provider');
    const grants = flag('--grants');
    const [group, command, argument] = args;
    const url = io.env.REDIS_URL;
    if (url === undefined || url === '') throw new UsageError('REDIS_URL (or --redis-url) must name the Redis server');
    client = connect(url, cluster);
    client.on('error', () => undefined); // reported through the failing command
    const storage = createRedisAdapter({ client, keyPrefix: io.env.OIDC_MTLS_KEY_PREFIX ?? 'oidc:', commandTimeout: 10 });
    const print = (value: unknown) => io.out(JSON.stringify(value, null, 2));

    if (group === 'tokens' && command === 'revoke-certificate' && argument !== undefined) {
      print({ revoked: await storage.revokeByCertificate(argument, { grants }) });
      return 0;
    }
    if (group !== 'clients') throw new UsageError(`unknown command: ${args.join(' ')}`);
    const clients = storage.clients(await loadProvider(providerModule, storage));
    switch (command) {
      case 'add': print(await clients.add(await readClient(argument))); return 0;
      case 'update': print(await clients.update(await readClient(argument))); return 0;
      case 'list': print(await clients.list()); return 0;
      case 'get':
      case 'remove': {
        if (argument === undefined) throw new UsageError('missing <client_id>');
        const result = command === 'get' ? await clients.get(argument) : await clients.remove(argument);
        if (result === undefined || result === false) {
          io.err(`client ${argument} not found`);
          return 1;
        }
        print(command === 'get' ? result : { removed: argument });
        return 0;
      }
      default: throw new UsageError(`unknown command: ${args.join(' ')}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    // The host's InvalidClientMetadata says what is wrong in error_description.
    const { error_description: description, message } = error as { error_description?: string; message: string };
    io.err(description ?? message);
    return 1;
  } finally {
    client?.disconnect();
  }
}
