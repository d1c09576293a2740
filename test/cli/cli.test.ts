// The command line run as a process, as a user runs it, against certificates made with the
// openssl command line. OpenSSL is the independent reference for what the tool prints: the
// RFC 4514 subject (`-nameopt RFC2253`), x5t#S256 and SPKI pins (digests of openssl's DER).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { certificateClient } from '../support/provider.js';
import { makeOpensslPki, openssl, type OpensslPki } from './openssl.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const NO_IOREDIS = fileURLToPath(new URL('./no-ioredis.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runMain(args: readonly string[], options: { env?: NodeJS.ProcessEnv; node?: readonly string[] } = {}): Promise<Run> {
  const { REDIS_URL: _ignored, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [...(options.node ?? []), '--import', 'tsx', MAIN, ...args], { env: { ...env, ...options.env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

async function derDigest(dir: string, file: string, spki: boolean): Promise<string> {
  const der = spki
    ? await new Promise<Buffer>((resolve, reject) => {
      execFile('sh', ['-c', `openssl x509 -in ${file} -pubkey -noout | openssl pkey -pubin -outform der`], { cwd: dir, encoding: 'buffer' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    })
    : await new Promise<Buffer>((resolve, reject) => {
      execFile('openssl', ['x509', '-in', file, '-outform', 'der'], { cwd: dir, encoding: 'buffer' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
  return createHash('sha256').update(der).digest('base64url');
}

describe('oidc-provider-mtls command line (as a process, openssl-made certificates)', function () {
  this.timeout(120_000);
  let pki: OpensslPki;
  let json: (name: string, value: unknown) => Promise<string>;
  before(async () => {
    pki = await makeOpensslPki();
    json = async (name, value) => {
      await writeFile(pki.file(name), JSON.stringify(value));
      return pki.file(name);
    };
  });
  after(() => pki.close());

  const tlsClient = (extra: object = {}) => certificateClient('client-a', { tls_client_certificate_bound_access_tokens: true, ...extra });

  describe('explain', () => {
    it('accepts a client certificate with its chain: the path, its anchor pin, each check, the subject on both sides', async () => {
      const client = await json('client-a.json', tlsClient());
      const run = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem'), '--chain', pki.file('intermediate.pem'), '--client', client, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.equal(report.ok, true);
      assert.equal(report.path.built, true);
      assert.deepEqual(report.path.chain.map((c: { subject: string }) => c.subject), ['CN=client-a,O=Example Bank,C=GB', 'CN=Example Issuing CA,O=Example Bank,C=GB']);
      assert.equal(report.path.chain[0]['x5t#S256'], await derDigest(pki.dir, 'client.pem', false));
      assert.equal(report.path.anchor.spkiSha256, await derDigest(pki.dir, 'root.pem', true));
      assert.ok(report.checks.every((check: { outcome: string }) => check.outcome === 'pass' || check.outcome === 'off'));
      assert.deepEqual(report.client.properties.map((p: { property: string; certificate: string[]; matches: boolean }) => [p.property, p.certificate, p.matches]),
        [['tls_client_auth_subject_dn', ['CN=client-a,O=Example Bank,C=GB'], true]]);
      assert.equal(report.client.registration, 'ok');

      const text = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem'), '--chain', pki.file('intermediate.pem'), '--client', client]);
      assert.equal(text.code, 0);
      assert.match(text.stdout, /anchor: CN=Example Root CA,O=Example Bank,C=GB/);
      assert.match(text.stdout, /pass +validity period/);
      assert.match(text.stdout, /Verdict: accepted/);
    });

    it('without the intermediate: no path, the issuer it looked for, and the hint about intermediates', async () => {
      const run = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem'), '--json']);
      assert.equal(run.code, 1);
      const report = JSON.parse(run.stdout);
      assert.equal(report.code, 'ERR_MTLS_CHAIN_UNTRUSTED');
      assert.equal(report.path.issuerLookedFor, 'CN=Example Issuing CA,O=Example Bank,C=GB');
      const text = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem')]);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /issuer looked for: CN=Example Issuing CA/);
      assert.match(text.stdout, /configure `intermediates`/);
    });

    it('--at after the expiry: the validity check fails with ERR_MTLS_CERT_EXPIRED', async () => {
      const run = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem'), '--chain', pki.file('intermediate.pem'), '--at', '2045-01-01T00:00:00Z', '--json']);
      assert.equal(run.code, 1);
      const report = JSON.parse(run.stdout);
      assert.equal(report.code, 'ERR_MTLS_CERT_EXPIRED');
      assert.equal(report.checks.find((check: { check: string }) => check.check === 'validity period').outcome, 'fail');
    });

    it('a registered subject that differs: ERR_MTLS_SUBJECT_MISMATCH with both normalized values', async () => {
      const client = await json('client-b.json', tlsClient({ tls_client_auth_subject_dn: 'cn=Client-B, o=Example Bank, c=GB' }));
      const run = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem'), '--chain', pki.file('intermediate.pem'), '--client', client, '--json']);
      assert.equal(run.code, 1);
      const report = JSON.parse(run.stdout);
      assert.equal(report.code, 'ERR_MTLS_SUBJECT_MISMATCH');
      const [property] = report.client.properties;
      assert.equal(property.registeredNormalized, 'CN=Client-B,O=Example Bank,C=GB');
      assert.deepEqual(property.certificate, ['CN=client-a,O=Example Bank,C=GB']);
    });

    it('openssl\'s /C=GB/O=.../CN=... subject form is refused at registration', async () => {
      const client = await json('client-slash.json', tlsClient({ tls_client_auth_subject_dn: '/C=GB/O=Example Bank/CN=client-a' }));
      const run = await runMain(['explain', pki.file('client.pem'), '--anchors', pki.file('root.pem'), '--chain', pki.file('intermediate.pem'), '--client', client, '--json']);
      assert.equal(run.code, 1);
      const report = JSON.parse(run.stdout);
      assert.notEqual(report.client.registration, 'ok');
      assert.match(report.client.registration, /tls_client_auth_subject_dn is in openssl's .*"CN=client-a,O=Example Bank,C=GB"/);
    });

    it('a self-signed client: whether the certificate is in its jwks', async () => {
      const metadata = await runMain(['metadata', pki.file('self-signed.pem'), '--client-id', 'device-1', '--json']);
      assert.equal(metadata.code, 0, metadata.stderr);
      const client = await json('device-1.json', { ...JSON.parse(metadata.stdout).metadata, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
      const yes = await runMain(['explain', pki.file('self-signed.pem'), '--client', client, '--json']);
      assert.equal(yes.code, 0, yes.stdout + yes.stderr);
      assert.deepEqual(JSON.parse(yes.stdout).client.jwks.thumbprints, [await derDigest(pki.dir, 'self-signed.pem', false)]);
      const no = await runMain(['explain', pki.file('other-self-signed.pem'), '--client', client]);
      assert.equal(no.code, 1);
      assert.match(no.stdout, /certificate in jwks +no/);
      assert.match(no.stdout, /ERR_MTLS_CERT_UNREGISTERED/);
      const later = await runMain(['explain', pki.file('self-signed.pem'), '--client', client, '--at', '2999-01-01T00:00:00Z', '--json']);
      assert.equal(later.code, 1);
      assert.equal(JSON.parse(later.stdout).code, 'ERR_MTLS_CERT_EXPIRED');
      const ignored = await runMain(['explain', pki.file('self-signed.pem'), '--client', client, '--at', '2999-01-01T00:00:00Z', '--self-signed-validity', 'ignore']);
      assert.equal(ignored.code, 0, ignored.stdout);
    });

    it('--revocation: an unreachable CRL distribution point is unknown status, refused under hard-fail, reported under soft-fail', async () => {
      await writeFile(pki.file('crl.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\ncrlDistributionPoints=URI:http://127.0.0.1:9/issuing.crl\n');
      await openssl(pki.dir, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'crl-client.key', '-out', 'crl-client.csr', '-subj', '/C=GB/O=Example Bank/CN=client-a');
      await openssl(pki.dir, 'x509', '-req', '-in', 'crl-client.csr', '-CA', 'intermediate.pem', '-CAkey', 'intermediate.key', '-days', '30', '-out', 'crl-client.pem', '-extfile', 'crl.ext');
      const args = ['explain', pki.file('crl-client.pem'), '--anchors', pki.file('root.pem'), '--chain', pki.file('intermediate.pem'), '--json'];
      const hard = await runMain([...args, '--revocation', 'hard-fail']);
      assert.equal(hard.code, 1, hard.stdout + hard.stderr);
      const refused = JSON.parse(hard.stdout);
      assert.equal(refused.code, 'ERR_MTLS_REVOCATION_UNKNOWN');
      assert.equal(refused.checks.find((check: { check: string }) => check.check === 'revocation status').outcome, 'fail');
      const soft = await runMain([...args, '--revocation', 'soft-fail']);
      assert.equal(soft.code, 0, soft.stdout + soft.stderr);
      const passed = JSON.parse(soft.stdout);
      assert.ok(passed.revocation.unknown.some((event: { subject: string }) => event.subject === 'CN=client-a,O=Example Bank,C=GB'));
      assert.equal(passed.checks.find((check: { check: string }) => check.check === 'revocation status').outcome, 'unknown-passed');
    });

    it('usage mistakes exit 2 with the usage, never a stack trace', async () => {
      const run = await runMain(['explain', pki.file('client.pem')]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--anchors is required/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
      const missing = await runMain(['explain', pki.file('nope.pem'), '--anchors', pki.file('root.pem')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /nope\.pem could not be read/);
    });
  });

  describe('metadata', () => {
    it('tls_client_auth: the RFC 4514 subject openssl prints (-nameopt RFC2253) and the SAN alternatives', async () => {
      const run = await runMain(['metadata', pki.file('client.pem'), '--client-id', 'client-a', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      const subject = (await openssl(pki.dir, 'x509', '-in', 'client.pem', '-noout', '-subject', '-nameopt', 'RFC2253')).trim().replace(/^subject=/, '');
      assert.deepEqual(report.metadata, {
        client_id: 'client-a',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_certificate_bound_access_tokens: true,
        tls_client_auth_subject_dn: subject,
      });
      assert.deepEqual(report.alternatives, { tls_client_auth_san_dns: ['client-a.example.com'], tls_client_auth_san_ip: ['10.0.0.7'] });
    });

    it('self-signed: a jwks whose x5c is the certificate and whose key is its public key', async () => {
      const run = await runMain(['metadata', pki.file('self-signed.pem'), '--json']);
      assert.equal(run.code, 0, run.stderr);
      const { metadata } = JSON.parse(run.stdout);
      assert.equal(metadata.token_endpoint_auth_method, 'self_signed_tls_client_auth');
      assert.equal(metadata.tls_client_certificate_bound_access_tokens, true);
      const [key] = metadata.jwks.keys;
      const der = Buffer.from(key.x5c[0], 'base64');
      assert.equal(createHash('sha256').update(der).digest('base64url'), await derDigest(pki.dir, 'self-signed.pem', false));
      assert.equal(key.kty, 'EC');
      assert.equal(key.crv, 'P-256');
      assert.equal(key.d, undefined);
    });
  });

  describe('pki dev', () => {
    let dir: string;
    before(async () => {
      dir = join(await mkdtemp(join(tmpdir(), 'mtls-pki-dev-')), 'pki');
    });
    after(() => rm(join(dir, '..'), { recursive: true, force: true }));

    it('writes a PKI that openssl verifies, whose clients explain accepts, and a README; never overwrites', async () => {
      const run = await runMain(['pki', 'dev', dir]);
      assert.equal(run.code, 0, run.stderr);
      const verify = await openssl(dir, 'verify', '-CAfile', 'root-ca.pem', '-untrusted', 'intermediate-ca.pem', '-purpose', 'sslclient', 'client.pem');
      assert.match(verify, /client\.pem: OK/);
      assert.match(await openssl(dir, 'verify', '-CAfile', 'root-ca.pem', '-untrusted', 'intermediate-ca.pem', '-purpose', 'sslserver', 'server.pem'), /OK/);
      const clients = JSON.parse(await readFile(join(dir, 'clients.json'), 'utf8'));
      await writeFile(join(dir, 'tls.json'), JSON.stringify(clients[0]));
      await writeFile(join(dir, 'self.json'), JSON.stringify(clients[1]));
      const tls = await runMain(['explain', join(dir, 'client-chain.pem'), '--anchors', join(dir, 'root-ca.pem'), '--client', join(dir, 'tls.json')]);
      assert.equal(tls.code, 0, tls.stdout);
      const self = await runMain(['explain', join(dir, 'self-signed-client.pem'), '--client', join(dir, 'self.json')]);
      assert.equal(self.code, 0, self.stdout);
      const readme = await readFile(join(dir, 'README.md'), 'utf8');
      assert.match(readme, /curl --cacert root-ca\.pem --cert client-chain\.pem --key client\.key/);
      assert.match(readme, /openssl req -x509/);
      const again = await runMain(['pki', 'dev', dir]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists/);
    });
  });

  describe('storage verbs', () => {
    it('require --redis-url or REDIS_URL', async () => {
      const run = await runMain(['clients', 'list']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--redis-url <url> or REDIS_URL/);
    });

    it('without ioredis installed, say in one line what to install', async () => {
      const run = await runMain(['clients', 'list', '--redis-url', 'redis://127.0.0.1:6379/9'], { node: ['--import', NO_IOREDIS] });
      assert.equal(run.code, 1);
      assert.equal(run.stderr.trim().split('\n').filter((line) => !line.startsWith('oidc-provider WARNING')).join('\n'),
        'the clients and tokens commands need the ioredis package: npm install ioredis');
    });

    it('run against the Redis given with --redis-url', async () => {
      const run = await runMain(['clients', 'list', '--redis-url', 'redis://127.0.0.1:6379/9'], { env: { OIDC_MTLS_KEY_PREFIX: `cli-main-${process.pid}:` } });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), []);
    });
  });
});
