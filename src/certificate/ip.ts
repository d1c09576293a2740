import { isIPv4, isIPv6 } from 'node:net';

/**
 * The 4 or 16 bytes of an IP address in any textual form Node accepts (dotted IPv4; IPv6 with
 * `::` compression, any case, embedded IPv4), or `undefined` for anything else, including zone
 * identifiers and IPv4 with leading zeros, which are ambiguous.
 */
export function parseIpAddress(text: string): Buffer | undefined {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) return undefined;
  // An embedded IPv4 tail (RFC 4291 2.2 form 3) becomes its two hex groups.
  const head = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const [left = '', right] = head.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const leftGroups = parse(left);
  const rightGroups = right === undefined ? [] : parse(right);
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...new Array<number>(right === undefined ? 0 : missing).fill(0), ...rightGroups];
  if (groups.length !== 8) return undefined;
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}

/** The canonical text of 4 or 16 address bytes (RFC 5952 for IPv6). */
export function formatIpAddress(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return `#${bytes.toString('hex')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first on a tie.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i += 1) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}
