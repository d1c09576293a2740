import { debuglog } from 'node:util';
import type { ProfileRules } from './profiles.js';
import { contradicts, section, type Section } from './settings.js';

type Hook = (...args: unknown[]) => unknown;

const debug = debuglog('oidc-provider-mtls');

/** A debug-log warning printed once: the first time a user's hook is overridden. */
function warnOnce(): (message: string) => void {
  let warned = false;
  return (message) => {
    if (warned) return;
    warned = true;
    debug(message);
  };
}

/**
 * `ttl.AuthorizationCode` (FAPI 2.0 SP 5.3.2.1 item 11: at most 60 seconds). A number above the
 * bound is refused; a function is wrapped so that no result exceeds it, because what a function
 * returns is only known per code. Results that are not positive integers pass through for the
 * host's own check, which names `ttl.AuthorizationCode`.
 */
function boundCodeLifetime(config: Section, rules: ProfileRules, max: number): Section | undefined {
  const ttl = section(config.ttl, 'ttl');
  const code = ttl.AuthorizationCode;
  if (typeof code === 'number' && code > max) {
    contradicts(rules, 'ttl.AuthorizationCode', `is ${code} seconds`, `use at most ${max}`);
  }
  if (typeof code !== 'function') return undefined;
  const warn = warnOnce();
  const AuthorizationCode: Hook = (...args) => {
    const seconds = (code as Hook)(...args);
    if (typeof seconds !== 'number' || seconds <= max) return seconds;
    warn(`ttl.AuthorizationCode returned ${seconds}; ${rules.title} issues codes for at most ${max} seconds`);
    return max;
  };
  return { ttl: { ...ttl, AuthorizationCode } };
}

/**
 * `rotateRefreshToken` (FAPI 2.0 SP 5.3.2.1 item 9: no rotation save in extraordinary
 * circumstances, and then only with a time-limited retry using the old token, see its Note 1). The
 * host consumes a rotated token at once and revokes the grant when it is presented again, so no
 * rotation it performs meets that exception: `true` is refused, the default is `false`, and a
 * function is wrapped so that it still runs but never turns rotation on.
 */
function boundRotation(config: Section, rules: ProfileRules): Section {
  const rotate = config.rotateRefreshToken;
  if (rotate === undefined) return { rotateRefreshToken: false };
  if (rotate === true) contradicts(rules, 'rotateRefreshToken', 'is true (refresh token rotation)', 'remove it or set it to false');
  if (typeof rotate !== 'function') return {};
  const warn = warnOnce();
  const rotateRefreshToken: Hook = async (...args) => {
    const result = await (rotate as Hook)(...args);
    if (result === true) warn(`rotateRefreshToken returned true; ${rules.title} does not rotate refresh tokens`);
    // Anything but a boolean is the host's to refuse, naming the option.
    return typeof result === 'boolean' ? false : result;
  };
  return { rotateRefreshToken };
}

/** What the profile bounds in token lifetimes and refresh token handling. */
export function applyLifetimes(config: Section, rules: ProfileRules): Section {
  return {
    ...(rules.maxCodeLifetime !== undefined ? boundCodeLifetime(config, rules, rules.maxCodeLifetime) : undefined),
    ...(rules.noRefreshTokenRotation ? boundRotation(config, rules) : undefined),
  };
}
