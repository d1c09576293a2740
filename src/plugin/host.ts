import type { IncomingMessage } from 'node:http';
import type { EventEmitterLike } from './events.js';

/**
 * The parts of oidc-provider's Koa context this package reads. Declared structurally so the
 * package's types do not require the host's type definitions.
 */
export interface HostContext {
  readonly req: IncomingMessage;
  /** The Koa application, i.e. the provider itself. */
  readonly app: EventEmitterLike;
  /** Koa's `ctx.origin`: the request's protocol and host. */
  readonly origin: string;
  status: number;
  body: unknown;
  /** Koa's `ctx.set`: sets a response header. */
  set(field: string, value: string): void;
  /** Set by the host's routing; absent before it runs and on requests it does not route. */
  readonly oidc: {
    readonly route: string;
    readonly provider: EventEmitterLike;
    readonly client?: HostClient;
  };
}

interface HostClient {
  readonly clientId: string;
  readonly clientAuthMethod: string;
  /** `tls_client_auth_anchor_pins`, as registered. */
  readonly tls_client_auth_anchor_pins?: unknown;
  /** `tls_client_auth_certificate_policies`, as registered. */
  readonly tls_client_auth_certificate_policies?: unknown;
  readonly asymmetricKeyStore?: Iterable<Record<string, unknown>>;
}

/** The provider instance, as far as `attach` needs it. */
export interface ProviderLike extends EventEmitterLike {
  use(middleware: (ctx: never, next: () => Promise<unknown>) => Promise<unknown> | unknown): unknown;
}
