import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from '../../errors.js';
import { Cache } from '../../util/cache.js';

/**
 * Addresses whose answer is kept: a proxy connects from a few addresses, and BlockList.check costs
 * about two microseconds per call (it builds a SocketAddress). Bounded, so that many peers or forged
 * X-Forwarded-For entries only evict each other.
 */
const REMEMBERED_ADDRESSES = 1024;
/** Longer than any address text but one with a long IPv6 zone: a header entry cannot fill memory. */
const REMEMBERED_LENGTH = 64;

/**
 * A set of trusted networks. IPv4 networks also match IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`,
 * what a dual-stack listener reports), which Node's BlockList already does.
 */
export class AddressSet {
  readonly #list = new BlockList();
  readonly #answers = new Cache<boolean>(REMEMBERED_ADDRESSES);

  /** @param cidrs like `10.0.0.0/8`, `::1/128` or a bare address; `path` names the option. */
  constructor(cidrs: readonly string[], path: string) {
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
      throw new ConfigurationError(`${path} must be a non-empty array of CIDR strings (e.g. ["10.0.0.0/8", "::1/128"])`);
    }
    cidrs.forEach((cidr, index) => this.#add(cidr, `${path}[${index}]`));
  }

  #add(cidr: unknown, path: string): void {
    const [address = '', prefix, extra] = typeof cidr === 'string' ? cidr.trim().split('/') : [];
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const length = prefix === undefined ? bits : Number(prefix);
    if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(prefix ?? String(bits)) || length > bits) {
      throw new ConfigurationError(`${path} must be a CIDR string such as "10.0.0.0/8" or "fd00::/8", got ${JSON.stringify(cidr)}`);
    }
    this.#list.addSubnet(address, length, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** Whether `address` (as Node reports it, or as written in X-Forwarded-For) is in the set. */
  has(address: string | undefined): boolean {
    if (address === undefined) return false;
    // The list never changes after construction, so an answer stays right.
    const known = this.#answers.get(address, 0);
    if (known !== undefined) return known;
    const family = isIP(address);
    if (family === 0) return false;
    const answer = this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    if (address.length <= REMEMBERED_LENGTH) this.#answers.set(address, answer, Infinity, 0);
    return answer;
  }
}
