// Type-level test of `oidc-provider-mtls/resource-server`.
import { createTokenVerifier, expressBoundToken, fastifyBoundToken, isRefusal, koaBoundToken } from 'oidc-provider-mtls/resource-server';

void [createTokenVerifier, expressBoundToken, fastifyBoundToken, isRefusal, koaBoundToken];

// @ts-expect-error the verifier is not the plugin's
import { createMtls } from 'oidc-provider-mtls/resource-server';
void createMtls;
