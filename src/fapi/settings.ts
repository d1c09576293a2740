import { ConfigurationError } from '../errors.js';
import { optionsObject } from '../util/options.js';
import type { ProfileRules } from './profiles.js';

/** A part of the host's configuration object, read as given. */
export type Section = Record<string, unknown>;

/** The object at `path` in the configuration (`{}` when absent), or a refusal naming `path`. */
export function section(value: unknown, path: string): Section {
  return value === undefined ? {} : optionsObject(value, path);
}

/**
 * A setting the profile fixes was set otherwise: refuse with the setting's path, what the profile
 * needs, and what to change. Overriding it silently would hide a decision the user made.
 */
export function contradicts(rules: ProfileRules, path: string, problem: string, fix: string): never {
  throw new ConfigurationError(`${path} ${problem}, which ${rules.title} does not allow; ${fix}`);
}
