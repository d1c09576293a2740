export type { CertificateSource, IntakeResult, PresentedCertificate } from './source.js';
export { socketSource, type SocketSourceOptions } from './socket.js';
export { headerSource, type HeaderSourceOptions } from './header-source.js';
export { sourceList, resolveCertificateSource, type CertificateSourceSpec } from './source-list.js';
export {
  parseClientCertificateHeader,
  HEADER_FORMATS,
  type CustomHeaderDecoder,
  type HeaderValue,
  type ParseHeaderOptions,
  type ParsedCertificateHeader,
} from './parse.js';
export type { HeaderFormat } from './formats/formats.js';
export type { TrustedProxyOptions } from './proxy/trust.js';
