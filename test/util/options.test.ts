import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/errors.js';
import { booleanOption, choiceOption, numberOption, onlyKnownKeys, optionsObject, secondsOption } from '../../src/util/options.js';

const refused = (fn: () => unknown, message: string) => assert.throws(fn, (error: unknown) =>
  error instanceof ConfigurationError && error.code === 'ERR_MTLS_INVALID_OPTION' && error.message === message);

describe('util/options: the one options validator', () => {
  describe('onlyKnownKeys', () => {
    const known = ['revocation', 'trustAnchors', 'clockTolerance'];

    it('lets known keys through', () => {
      onlyKnownKeys({ revocation: {}, clockTolerance: 1 }, known, '', 'createMtls');
    });

    it('names a misspelt top-level key, its owner and the key it looks like (typo, transposition, case)', () => {
      refused(() => onlyKnownKeys({ revokation: {} }, known, '', 'createMtls'), 'revokation is not an option of createMtls (did you mean revocation?)');
      refused(() => onlyKnownKeys({ trsutAnchors: [] }, known, '', 'createMtls'), 'trsutAnchors is not an option of createMtls (did you mean trustAnchors?)');
      refused(() => onlyKnownKeys({ CLOCKTOLERANCE: 1 }, known, '', 'createMtls'), 'CLOCKTOLERANCE is not an option of createMtls (did you mean clockTolerance?)');
    });

    it('lists the known keys when none is close', () => {
      refused(() => onlyKnownKeys({ features: {} }, known, '', 'createMtls'), 'features is not an option of createMtls (known: revocation, trustAnchors, clockTolerance)');
    });

    it('gives a nested key its full dotted path, suggestion included', () => {
      refused(() => onlyKnownKeys({ timout: 1 }, ['timeout', 'mode'], 'revocation'), 'revocation.timout is not an option (did you mean revocation.timeout?)');
      refused(() => onlyKnownKeys({ adresses: [] }, ['addresses'], 'certificateSource[1].trustedProxies'), 'certificateSource[1].trustedProxies.adresses is not an option (did you mean certificateSource[1].trustedProxies.addresses?)');
    });
  });

  describe('values', () => {
    it('takes durations in seconds with fractions, and shows how to write a value meant as milliseconds', () => {
      assert.equal(secondsOption(undefined, 5, 'timeout', { positive: true }), 5);
      assert.equal(secondsOption(0.3, 5, 'timeout', { positive: true, max: 60 }), 0.3);
      assert.equal(secondsOption(0, 5, 'maxAge'), 0);
      refused(() => secondsOption(0, 5, 'timeout', { positive: true }), 'timeout must be a positive number of seconds (fractions allowed, e.g. 0.5)');
      refused(() => secondsOption(-1, 5, 'maxAge'), 'maxAge must be a non-negative number of seconds (fractions allowed, e.g. 0.5)');
      refused(() => secondsOption('5', 5, 'maxAge'), 'maxAge must be a non-negative number of seconds (fractions allowed, e.g. 0.5)');
      refused(() => secondsOption(Infinity, 5, 'maxAge'), 'maxAge must be a non-negative number of seconds (fractions allowed, e.g. 0.5)');
      refused(() => secondsOption(300, 5, 'revocation.timeout', { positive: true, max: 60 }), 'revocation.timeout must be at most 60 seconds; durations are in seconds (write 0.3 for 300 ms)');
    });

    it('describes number bounds in the message', () => {
      assert.equal(numberOption(undefined, 8, 'maxIntermediates', { max: 32, integer: true }), 8);
      refused(() => numberOption(33, 8, 'maxIntermediates', { max: 32, integer: true }), 'maxIntermediates must be an integer from 0 to 32');
      refused(() => numberOption(0, 1, 'cacheSize', { exclusive: true, integer: true }), 'cacheSize must be a positive integer');
      refused(() => numberOption(1.5, 1, 'max', { integer: true }), 'max must be a non-negative integer');
      refused(() => numberOption(512, 2048, 'algorithms.minRsaBits', { min: 1024, integer: true }), 'algorithms.minRsaBits must be an integer of at least 1024');
      refused(() => numberOption(0, 1, 'maxResponseBytes', { exclusive: true, unit: 'bytes' }), 'maxResponseBytes must be a positive number of bytes');
      refused(() => numberOption(4000, 30, 'expiryWarningDays', { max: 3650, integer: true, unit: 'days' }), 'expiryWarningDays must be an integer number of days from 0 to 3650');
    });

    it('checks booleans, choices and objects', () => {
      assert.equal(booleanOption(undefined, true, 'tlsClientAuth'), true);
      refused(() => booleanOption('yes', true, 'tlsClientAuth'), 'tlsClientAuth must be a boolean');
      assert.equal(choiceOption(undefined, 'chain', ['leaf', 'chain'], 'revocation.scope'), 'chain');
      refused(() => choiceOption('all', 'chain', ['leaf', 'chain'], 'revocation.scope'), "revocation.scope must be 'leaf' or 'chain'");
      refused(() => choiceOption('on', 'off', ['off', 'soft-fail', 'hard-fail'], 'revocation.mode'), "revocation.mode must be one of 'off', 'soft-fail', 'hard-fail'");
      refused(() => optionsObject([], 'http'), 'http must be an object');
      refused(() => optionsObject(null, 'cache', 'an object or false'), 'cache must be an object or false');
    });
  });
});
