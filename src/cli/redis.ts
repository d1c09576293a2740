import type { CliIo } from './args.js';

/**
 * The storage verbs (`clients ...`, `tokens ...`), run by the Redis adapter's command line,
 * loaded only here: the certificate verbs work without `ioredis`, and without it these say what
 * to install instead of failing with a stack trace. A Redis URL is required, never assumed.
 */
export async function runRedisVerb(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  const index = args.indexOf('--redis-url');
  let url = io.env.REDIS_URL;
  if (index !== -1) {
    url = args[index + 1];
    args.splice(index, 2);
  }
  const help = args.includes('--help') || args.includes('-h');
  if (!help && (url === undefined || url === '')) {
    io.err('the clients and tokens commands need --redis-url <url> or REDIS_URL (e.g. redis://127.0.0.1:6379/0)');
    return 2;
  }
  let cli: typeof import('../../adapters/redis/cli.js');
  try {
    cli = await import('../../adapters/redis/cli.js');
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes("'ioredis'")) {
      io.err('the clients and tokens commands need the ioredis package: npm install ioredis');
      return 1;
    }
    throw error;
  }
  return cli.runCli(args, { ...io, env: { ...io.env, ...(url === undefined ? {} : { REDIS_URL: url }) } });
}
