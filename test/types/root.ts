// Type-level test of `oidc-provider-mtls` (the provider plugin): compiled against the built package
// by `npm run check:types`; a line under @ts-expect-error must fail to compile.
import { CHANNELS, createMtls, createMtlsServer, EVENTS, type AuthenticationMessage, type Mtls, type MtlsOptions, type MtlsServerOptions, type RevocationEvent } from 'oidc-provider-mtls';

const options: MtlsOptions = { trustAnchors: ['-----BEGIN CERTIFICATE-----'], mtlsOrigin: 'https://mtls.example.test' };
const mtls: Mtls = createMtls(options);
const configured: Record<string, unknown> = mtls.configure({});
const serverOptions: MtlsServerOptions = {};
void [configured, serverOptions, createMtlsServer, EVENTS.refused, CHANNELS.authentication];
const outcome: AuthenticationMessage['outcome'] = 'refused';
const event = undefined as unknown as RevocationEvent;
void [outcome, event.name];

// The engine, the proxy intake, the presets and the error classes live on their own subpaths.
// @ts-expect-error not a root export
import { ClientCertificate } from 'oidc-provider-mtls';
// @ts-expect-error not a root export
import { headerSource } from 'oidc-provider-mtls';
// @ts-expect-error not a root export
import { fapi2SecurityProfile } from 'oidc-provider-mtls';
// @ts-expect-error error classes come from oidc-provider-mtls/errors only
import { MtlsError } from 'oidc-provider-mtls';
void [ClientCertificate, headerSource, fapi2SecurityProfile, MtlsError];
