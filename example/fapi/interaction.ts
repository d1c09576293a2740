// DEMO ONLY: logs every authorization request in as `demo-user` and grants what it asked for, so
// the example runs without a browser. A real deployment renders its own login and consent pages
// here (https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#interactions).
import type { Provider } from 'oidc-provider';

type Middleware = Parameters<Provider['use']>[0];

export function autoConsent(provider: Provider, resource: string): Middleware {
  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = new provider.Grant({ accountId: 'demo-user', clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    grant.addResourceScope(resource, 'accounts');
    const grantId = await grant.save();
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: 'demo-user' }, consent: { grantId } });
  };
}
