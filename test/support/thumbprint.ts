import { createHash } from 'node:crypto';
import type { TestCertificate } from './pki.js';

/** RFC 8705 section 3.1 `x5t#S256`, computed independently of the code under test. */
export function x5t(cert: TestCertificate): string {
  return createHash('sha256').update(cert.der).digest('base64url');
}
