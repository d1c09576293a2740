import type { IncomingMessage } from 'node:http';

/**
 * A header's lines as received, one string per line, or undefined when the request has none.
 * HTTP/1.1 requests carry them as `headersDistinct`; Node's HTTP/2 compatibility request does not,
 * and its `headers` joins repeated lines with ", ", which would hide a repeated certificate
 * header, so they are rebuilt from `rawHeaders` (lower-case names in HTTP/2).
 */
export function headerLines(req: IncomingMessage, name: string): string[] | undefined {
  const distinct = req.headersDistinct;
  if (distinct !== undefined) return distinct[name];
  const raw = req.rawHeaders ?? [];
  let lines: string[] | undefined;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (raw[index]!.toLowerCase() === name) (lines ??= []).push(raw[index + 1]!);
  }
  return lines;
}
