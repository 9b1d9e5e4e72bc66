/**
 * The `url` option of a soak device: every edge, starting with its `preferred` one (devices are
 * spread over the edges by it), so the SDK fails over to the other edge when its own is down.
 */
export function deviceUrlOption(edgeUrls: readonly string[], preferred: number): string[] {
  const start = preferred % edgeUrls.length;
  return [...edgeUrls.slice(start), ...edgeUrls.slice(0, start)];
}
