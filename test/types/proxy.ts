// Type-level test of `oidc-provider-mtls/proxy` (certificate sources and proxy header decoding).
import {
  HEADER_FORMATS,
  headerSource,
  parseClientCertificateHeader,
  socketSource,
  sourceList,
  type CertificateSource,
  type HeaderFormat,
} from 'oidc-provider-mtls/proxy';

const fromProxy: CertificateSource = headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['10.0.0.0/8'] } });
const sources: CertificateSource = sourceList([fromProxy, socketSource()]);
const format: HeaderFormat | 'custom' = HEADER_FORMATS[0]!;
void [sources, format, parseClientCertificateHeader];

// @ts-expect-error a header source needs a way to authenticate the proxy
headerSource({ format: 'rfc9440' });
// @ts-expect-error no such header format
const unknown: HeaderFormat = 'x-client-cert';
void unknown;
