import { exchange, plainRequest, requestBytes, type Exchange } from '../../src';

/** Answers from the services come within this, or the test says which request stayed silent. */
export const ANSWER_BOUND_MS = 5000;

/** A JSON answer: status, headers and the parsed body (undefined when it is not JSON). */
export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** Sends JSON (a value, or text sent as it is) with `token` as the bearer credential, over fetch. */
export async function jsonRequest(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
  deadlineMs = ANSWER_BOUND_MS,
): Promise<JsonAnswer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(deadlineMs),
    });
  } catch (e) {
    throw new Error(`${method} ${url} got no answer within ${deadlineMs} ms`, { cause: e });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text.length ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined; // the caller asserts on the body; a non-JSON one is simply not a JSON answer
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Sends a request with a raw body over its own socket (`Content-Type: application/json`), for bodies fetch would reshape. */
export function rawPost(
  port: number,
  path: string,
  token: string | undefined,
  body: Buffer | string,
  deadlineMs = ANSWER_BOUND_MS,
  method = 'POST',
): Promise<Exchange> {
  const headers: [string, string][] = [['Content-Type', 'application/json']];
  if (token !== undefined) headers.push(['Authorization', `Bearer ${token}`]);
  const bytes = requestBytes(plainRequest(port, method, path, headers, typeof body === 'string' ? Buffer.from(body) : body));
  return exchange(port, [bytes], { deadlineMs });
}

/** Sums the samples of metric `name` on a Prometheus text page whose labels satisfy `labels`. */
export function metricSum(page: string, name: string, labels: (labelText: string) => boolean = () => true): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.includes('{') ? line.slice(line.indexOf('{') + 1, line.indexOf('}')) : '';
    if (labels(labelText)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
