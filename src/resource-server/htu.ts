// RFC 3986 section 2.3: unreserved characters, which percent-encoding must not change.
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// A URI is printable ASCII (RFC 3986 section 2); anything else in `htu` is not one.
const URI_CHARACTERS = /^[\x21-\x7E]+$/;
/** Longer than any URI a resource server routes; bounds the work on a hostile claim. */
const MAX_LENGTH = 4096;

/**
 * The form of an http(s) URI that `htu` is compared in (RFC 9449 section 4.3 check 9): without query
 * and fragment, after syntax-based normalization (RFC 3986 section 6.2.2: case of scheme and host,
 * percent-encoding case, unreserved characters decoded, dot segments removed) and scheme-based
 * normalization (section 6.2.3: default port dropped, empty path as `/`). The WHATWG URL parser does
 * all but the percent-encoding steps, which are done here on the path.
 * @returns `undefined` for anything that is not an absolute http(s) URI without user information.
 */
function normalizeHttpUri(value: string): string | undefined {
  if (value.length > MAX_LENGTH || !URI_CHARACTERS.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || url.host === '') {
    return undefined;
  }
  const path = url.pathname.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const character = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    return UNRESERVED.test(character) ? character : escape.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The normalized URI of the request a proof must name: `url` as received, or, with a configured
 * public origin, its path under that origin (the scheme and authority a proxy saw, not ours).
 */
export function requestUri(url: string, origin: string | undefined): string | undefined {
  if (origin === undefined) return normalizeHttpUri(url);
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  // Concatenated, not resolved: a path such as `//other.example/x` must stay a path.
  return normalizeHttpUri(`${origin}${path}`);
}
