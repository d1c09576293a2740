import { generateKeyPairSync } from 'node:crypto';
import type { ClientCertificate } from '../certificate/certificate.js';

/**
 * Checks client metadata the way a provider using this plugin would at registration: the host's
 * own client schema (`Client.validate`) with the plugin's configuration step and its metadata
 * validator. Resolves to `undefined` when valid, else the host's reason.
 */
export async function registrationProblem(metadata: Record<string, unknown>, anchors: readonly ClientCertificate[]): Promise<string | undefined> {
  // Loaded only here: the other verbs never need the host.
  const [{ Provider }, { createMtls }] = await Promise.all([import('oidc-provider'), import('../plugin/create.js')]);
  const mtls = createMtls(anchors.length ? { trustAnchors: anchors } : { tlsClientAuth: false });
  // A signing key and an adapter given up front keep the host from printing its quick-start
  // warnings; the provider never listens or stores anything.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  try {
    // As a static client first: the plugin's startup checks (field named, RFC 4514 suggestions).
    const provider = new Provider('https://explain.invalid', mtls.configure({
      clients: [metadata],
      adapter: class { async find() { return undefined; } },
      jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), use: 'sig' }] },
      features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    }) as never);
    await provider.Client.validate(metadata as never);
    return undefined;
  } catch (error) {
    const { error_description: description, message } = error as { error_description?: string; message: string };
    return description ?? message;
  }
}
