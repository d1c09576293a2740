import { errors } from 'oidc-provider';
import { ConfigurationError } from '../errors.js';
import type { ProfileRules } from './profiles.js';
import { contradicts, type Section } from './settings.js';

interface AssertionContext { oidc: { issuer: string } }
type AssertClaims = (ctx: AssertionContext, claims: Section, header: Section, client: unknown) => unknown;

/** The host's `clockTolerance` when the configuration sets none. */
const HOST_CLOCK_TOLERANCE = 15;

/**
 * The clock tolerance the profile allows: the host applies `clockTolerance` to `nbf` (and to
 * `iat` when `exp` is absent), so it must be at least the skew the profile says to accept and at
 * most the skew it says to refuse. Returns the tolerance in effect.
 */
function checkClockTolerance(config: Section, rules: ProfileRules, { min, max }: { min: number; max: number }): number {
  const tolerance = config.clockTolerance ?? HOST_CLOCK_TOLERANCE;
  if (typeof tolerance !== 'number' || !Number.isInteger(tolerance) || tolerance < min || tolerance > max) {
    contradicts(rules, 'clockTolerance', `is ${JSON.stringify(tolerance)}`, `use whole seconds from ${min} (JWTs up to ${min} s in the future must be accepted) to ${max} (JWTs beyond ${max} s in the future must be refused)`);
  }
  return tolerance;
}

/**
 * Wraps `assertJwtClientAuthClaimsAndHeader`, the host's one hook for every client assertion it
 * verifies (token, PAR, introspection, revocation and the other authenticated endpoints, on the
 * main origin and the mTLS aliases alike), so the profile's checks run before the user's own:
 * - FAPI 2.0 SP 5.3.2.1 item 13: an `iat` further in the future than the clock tolerance is
 *   refused. The host checks a future `iat` only when `exp` is absent, and FAPI assertions always
 *   carry `exp`.
 * - FAPI 2.0 SP 5.3.2.1 item 8: `aud` is the issuer identifier as a string. The host's default hook
 *   checks it; a user's hook would replace that default, so the check is made here too.
 */
export function applyClientAssertionChecks(config: Section, rules: ProfileRules): Section {
  const skew = rules.clockSkew;
  if (skew === undefined) return {};
  const tolerance = checkClockTolerance(config, rules, skew);
  const inner = config.assertJwtClientAuthClaimsAndHeader;
  if (inner !== undefined && typeof inner !== 'function') {
    throw new ConfigurationError('assertJwtClientAuthClaimsAndHeader must be a function');
  }
  const assertJwtClientAuthClaimsAndHeader: AssertClaims = async (ctx, claims, header, client) => {
    if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + tolerance) {
      throw new errors.InvalidClientAuth(`client assertion iat is more than ${tolerance} seconds in the future`);
    }
    if (rules.issuerOnlyAssertionAudience && claims.aud !== ctx.oidc.issuer) {
      throw new errors.InvalidClientAuth('client assertion aud must be the issuer identifier, as a string');
    }
    await (inner as AssertClaims | undefined)?.(ctx, claims, header, client);
  };
  return { clockTolerance: tolerance, assertJwtClientAuthClaimsAndHeader };
}
