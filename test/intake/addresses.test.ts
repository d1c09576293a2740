import assert from 'node:assert/strict';
import { AddressSet } from '../../src/intake/proxy/addresses.js';

describe('AddressSet (trusted proxy networks)', () => {
  it('matches IPv4 and IPv6 networks, and IPv4 networks against IPv4-mapped IPv6 peers', () => {
    const set = new AddressSet(['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '2001:db8::1'], 'addresses');
    for (const inside of ['10.1.2.3', '::ffff:10.1.2.3', '::ffff:a01:203', '192.0.2.7', 'fd12::5', '2001:db8::1', '2001:0db8:0:0:0:0:0:1']) {
      assert.equal(set.has(inside), true, inside);
    }
    for (const outside of ['11.0.0.1', '::ffff:11.0.0.1', '192.0.2.8', 'fe80::1', '2001:db8::2', '::1', '', 'not-an-ip', '10.0.0.1:80', undefined]) {
      assert.equal(set.has(outside), false, String(outside));
    }
  });

  it('answers the same when asked again, from memory or not', () => {
    const set = new AddressSet(['10.0.0.0/8'], 'addresses');
    const asked = ['10.1.2.3', '11.0.0.1', 'not-an-ip', '::ffff:10.1.2.3', '10.1.2.3', '11.0.0.1', 'not-an-ip', '::ffff:10.1.2.3'];
    assert.deepEqual(asked.map((address) => set.has(address)), [true, false, false, true, true, false, false, true]);
    // More addresses than it remembers: the first ones are asked again after being forgotten.
    for (let i = 0; i < 2000; i += 1) assert.equal(set.has(`10.${i >> 8}.${i & 255}.1`), true);
    assert.equal(set.has('11.0.0.1'), false);
    assert.equal(set.has('10.1.2.3'), true);
    // Too long to be remembered (a long IPv6 zone): answered all the same, every time.
    const zoned = new AddressSet(['fe80::/10'], 'addresses');
    for (let i = 0; i < 2; i += 1) assert.equal(zoned.has(`fe80::1%${'z'.repeat(100)}`), true);
  });

  it('refuses what is not a CIDR, naming the entry', () => {
    for (const bad of ['10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/1e1', '::/129', 'example.com/8', '10.0.0.0/033x', 42]) {
      assert.throws(() => new AddressSet(['127.0.0.1', bad as string], 'x.addresses'), /^ConfigurationError: x\.addresses\[1\] must be a CIDR/);
    }
    assert.throws(() => new AddressSet('10.0.0.0/8' as unknown as string[], 'x.addresses'), /x\.addresses must be a non-empty array/);
  });
});
