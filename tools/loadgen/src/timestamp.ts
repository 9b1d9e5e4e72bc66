import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with microsecond resolution. `performance.timeOrigin + now()` is the same
 * clock in every process and thread of the machine (unlike `now()` alone), so a sender in one
 * process and a receiver in another can subtract their readings.
 */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A payload that carries its send time: `@<epoch ms with 3 decimals>`, then `extra` (padding to a
 * payload size, a label) after a space. Receivers find the first marker in whatever frame wraps the
 * payload (a Pushwire push frame, a Socket.IO event, a bare message) and record now − send time.
 */
export function timestampedPayload(extra?: string): string {
  const stamp = `@${epochNowMs().toFixed(3)}`;
  return extra ? `${stamp} ${extra}` : stamp;
}

const MARKER = /@(\d+\.\d+)/;

/** The send time (epoch ms) carried by `text`, or NaN when it has no marker. */
export function sentAtOf(text: string): number {
  // indexOf first: most control frames carry no marker and skip the regex.
  if (text.indexOf('@') < 0) return NaN;
  const m = MARKER.exec(text);
  return m ? Number(m[1]) : NaN;
}

const PAYLOAD_TIME = /\\?"t\\?":(\d+(?:\.\d+)?)/;

/**
 * The send time carried by a JSON payload `{"t": <epoch ms>}` (topic messages and broadcasts of the
 * topic benches), in whatever frame wraps it, also as an escaped string (`"{\\"t\\":…}"`); NaN without.
 */
export function payloadSentAtOf(text: string): number {
  if (text.indexOf('"t') < 0) return NaN; // also the escaped form's `\\"t`
  const m = PAYLOAD_TIME.exec(text);
  return m ? Number(m[1]) : NaN;
}
