/**
 * The one way a service URL is built: `base` (trailing slashes dropped, any path prefix kept) and
 * the path's segments, each percent-encoded, so an id holding `/`, `?`, `#` or `%` stays one segment.
 *
 *     joinUrl('http://registry:8082/', 'v1', 'accounts', 'a/1', 'registrations')
 *     // → 'http://registry:8082/v1/accounts/a%2F1/registrations'
 *
 * An empty, `.` or `..` segment throws TypeError rather than reach another resource: URL parsing
 * folds the dot segments into the route above, encoded (`%2E%2E`) or not — and the protocol's id
 * pattern does let `.` and `..` through.
 */
export function joinUrl(base: string, ...segments: string[]): string {
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === SLASH) end--;
  const root = base.slice(0, end);
  return segments.length === 0 ? root : `${root}/${segments.map(encodeSegment).join('/')}`;
}

const SLASH = 0x2f;

function encodeSegment(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') throw new TypeError(`joinUrl: '${segment}' cannot be a path segment`);
  return encodeURIComponent(segment);
}
