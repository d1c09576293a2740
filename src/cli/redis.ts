import { Arguments, UsageError, type CliIo } from './args.js';
import { expiringCertificates, expiringText } from './expiring.js';

/**
 * The storage verbs (`clients ...`, `tokens ...`, in storage-verbs.ts, on the Redis adapter),
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
  let cli: typeof import('./storage-verbs.js');
  try {
    cli = await import('./storage-verbs.js');
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes("'ioredis'")) {
      io.err('the clients and tokens commands need the ioredis package: npm install ioredis');
      return 1;
    }
    throw error;
  }
  const env = { ...io.env, ...(url === undefined ? {} : { REDIS_URL: url }) };
  if (args[0] === 'clients' && args[1] === 'expiring' && !help) return expiring(args.slice(2), io, (argv, captured) => cli.runCli(argv, { ...captured, env }));
  return cli.runCli(args, { ...io, env });
}

/**
 * `clients expiring [--days N] [--json]`: the stored clients' registered certificates that expire
 * within N days (default 30), read through `clients list`. Exit 1 when there is at least one, so a
 * scheduled job can alert on it.
 */
async function expiring(argv: readonly string[], io: CliIo, list: (argv: string[], io: Omit<CliIo, 'env'>) => Promise<number>): Promise<number> {
  const args = new Arguments(argv);
  const json = args.flag('--json');
  const daysText = args.option('--days') ?? '30';
  const passThrough = [...(args.flag('--cluster') ? ['--cluster'] : [])];
  const provider = args.option('--provider');
  if (provider !== undefined) passThrough.push('--provider', provider);
  args.positionals(0, 'clients expiring [--days N] [--json]');
  const days = Number(daysText);
  if (!Number.isInteger(days) || days < 0) throw new UsageError('--days must be a whole number of days');
  const out: string[] = [];
  const code = await list(['clients', 'list', ...passThrough], { out: (text) => out.push(text), err: io.err });
  if (code !== 0) return code;
  const report = expiringCertificates(JSON.parse(out.join('\n')) as Record<string, unknown>[], days, Date.now());
  io.out(json ? JSON.stringify(report, null, 2) : expiringText(report));
  return report.expiring.length ? 1 : 0;
}
