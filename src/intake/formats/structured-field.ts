import { HeaderMalformedError } from '../../errors.js';
import { decodeBase64 } from './base64.js';

/**
 * The part of RFC 8941 (Structured Field Values) that RFC 9440 needs: an Item whose value is a
 * Byte Sequence (`Client-Cert`), and a List of them (`Client-Cert-Chain`). Parsing follows the
 * algorithms of RFC 8941 section 4.2; parameters are parsed for syntax and then ignored, as RFC
 * 9440 defines none. Every other bare item, and an inner list, is parsed only to be refused.
 */
class Cursor {
  index = 0;
  constructor(readonly text: string, readonly what: string) {}

  get done(): boolean {
    return this.index >= this.text.length;
  }

  peek(): string {
    return this.text[this.index] ?? '';
  }

  fail(reason: string): never {
    throw new HeaderMalformedError(`${this.what} is not a valid structured field: ${reason} (RFC 8941)`);
  }

  skip(chars: string): void {
    while (!this.done && chars.includes(this.peek())) this.index += 1;
  }
}

type Bare = { type: 'binary'; value: Buffer } | { type: 'other' };

/** RFC 8941 section 4.2.3: `Client-Cert = sf-binary`, with optional (ignored) parameters. */
export function parseByteSequenceItem(text: string, what: string): Buffer {
  const cursor: Cursor = new Cursor(text, what);
  cursor.skip(' ');
  const item = parseItem(cursor);
  cursor.skip(' ');
  if (!cursor.done) cursor.fail('trailing characters after the item');
  if (item.type !== 'binary') cursor.fail('the item is not a byte sequence');
  return item.value;
}

/**
 * RFC 8941 section 4.2.1: a List whose members must all be byte sequences (RFC 9440 section 2.3).
 * `limit` bounds the work: parsing stops as soon as the list has more members than allowed.
 * Otherwise the whole list is read before the members' types are checked, so that a list with a
 * syntax error is always refused as one.
 */
export function parseByteSequenceList(text: string, what: string, limit: number): Buffer[] {
  const cursor: Cursor = new Cursor(text, what);
  cursor.skip(' ');
  const members: Buffer[] = [];
  let count = 0;
  let others = false;
  while (!cursor.done) {
    const item = cursor.peek() === '(' ? parseInnerList(cursor) : parseItem(cursor);
    count += 1;
    if (count > limit) {
      throw new HeaderMalformedError(`${what} has more than ${limit} certificates`, { code: 'ERR_MTLS_HEADER_TOO_LARGE' });
    }
    if (item.type === 'binary') members.push(item.value);
    else others = true;
    cursor.skip(' \t');
    if (cursor.done) break;
    if (cursor.peek() !== ',') cursor.fail('expected "," between list members');
    cursor.index += 1;
    cursor.skip(' \t');
    if (cursor.done) cursor.fail('trailing comma');
  }
  if (others) cursor.fail('a list member is not a byte sequence');
  return members;
}

function parseItem(cursor: Cursor): Bare {
  const item = parseBareItem(cursor);
  parseParameters(cursor);
  return item;
}

/** RFC 8941 section 4.2.1.2, parsed for its syntax only: an inner list is never a byte sequence. */
function parseInnerList(cursor: Cursor): Bare {
  cursor.index += 1;
  while (!cursor.done) {
    cursor.skip(' ');
    if (cursor.peek() === ')') {
      cursor.index += 1;
      parseParameters(cursor);
      return { type: 'other' };
    }
    parseItem(cursor);
    if (cursor.peek() !== ' ' && cursor.peek() !== ')') cursor.fail('expected " " or ")" after an inner list member');
  }
  return cursor.fail('unterminated inner list');
}

function parseParameters(cursor: Cursor): void {
  while (cursor.peek() === ';') {
    cursor.index += 1;
    cursor.skip(' ');
    parseKey(cursor);
    if (cursor.peek() === '=') {
      cursor.index += 1;
      parseBareItem(cursor);
    }
  }
}

function parseKey(cursor: Cursor): void {
  if (!/^[a-z*]$/.test(cursor.peek())) cursor.fail('a parameter key must start with a lowercase letter or "*"');
  while (/^[a-z0-9_\-.*]$/.test(cursor.peek())) cursor.index += 1;
}

function parseBareItem(cursor: Cursor): Bare {
  const first = cursor.peek();
  if (first === ':') return { type: 'binary', value: parseByteSequence(cursor) };
  if (first === '-' || /^[0-9]$/.test(first)) return skipMatch(cursor, /-?[0-9]{1,12}\.[0-9]{1,3}|-?[0-9]{1,15}/y, 'number');
  if (first === '"') return skipMatch(cursor, /"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"/y, 'string');
  if (/^[A-Za-z*]$/.test(first)) return skipMatch(cursor, /[A-Za-z*][\x21\x23-\x27\x2a\x2b\x2d-\x3aA-Z\x5e-\x7a\x7c\x7e]*/y, 'token');
  if (first === '?') return skipMatch(cursor, /\?[01]/y, 'boolean');
  return cursor.fail(first === '' ? 'empty value' : `unexpected character ${JSON.stringify(first)}`);
}

/** Matches a sticky pattern at the cursor, without copying the rest of the input. */
function skipMatch(cursor: Cursor, pattern: RegExp, kind: string): Bare {
  pattern.lastIndex = cursor.index;
  const match = pattern.exec(cursor.text);
  if (!match) cursor.fail(`invalid ${kind}`);
  cursor.index += match[0].length;
  return { type: 'other' };
}

function parseByteSequence(cursor: Cursor): Buffer {
  const end = cursor.text.indexOf(':', cursor.index + 1);
  if (end === -1) cursor.fail('unterminated byte sequence');
  const content = cursor.text.slice(cursor.index + 1, end);
  cursor.index = end + 1;
  return decodeBase64(content, cursor.what, 'optional');
}
