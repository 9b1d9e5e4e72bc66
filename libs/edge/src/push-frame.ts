import { encodeFrame, type PushMessage } from '@pushwire/protocol';

const PRIORITY_JSON: Readonly<Record<string, string>> = { high: '"high"', normal: '"normal"', low: '"low"' };

/**
 * The text of a `push` frame, byte for byte what `encodeFrame` gives for the frame object
 * `{type, id, payload, priority, sentAt, ttlSeconds?, ackRequired?}` (same keys, same order), but
 * spliced from parts: no frame object is built per delivery and only the payload and the id go
 * through JSON.stringify. `payloadJson`, when the caller already holds the payload's JSON text
 * (canonical, as JSON.stringify writes it), is used as it is and the payload is not serialised
 * again. The edge's delivery hot path writes every push frame with it (push-frame.spec.ts holds it
 * to encodeFrame).
 */
export function pushFrameText(m: PushMessage, sentAt: number, payloadJson?: string): string {
  const payload = payloadJson ?? JSON.stringify(m.payload);
  // A payload JSON.stringify leaves out (undefined, a function) makes the object form drop the key:
  // rare and never from a parsed body, so the object form writes it.
  if (payload === undefined) return encodeFrame(pushFrameObject(m, sentAt));
  let text = `{"type":"push","id":${JSON.stringify(m.id)},"payload":${payload},"priority":${PRIORITY_JSON[m.priority ?? 'normal'] ?? JSON.stringify(m.priority)},"sentAt":${sentAtJson(sentAt)}`;
  if (m.ttlSeconds !== undefined) text += `,"ttlSeconds":${JSON.stringify(m.ttlSeconds)}`;
  if (m.ackRequired) text += ',"ackRequired":true';
  return text + '}';
}

// A batch's frames share their sentAt (one clock reading per millisecond): its text is kept.
let lastSentAt = Number.NaN;
let lastSentAtJson = '';
function sentAtJson(sentAt: number): string {
  if (sentAt !== lastSentAt) {
    lastSentAt = sentAt;
    lastSentAtJson = JSON.stringify(sentAt);
  }
  return lastSentAtJson;
}

/** The `push` frame as an object, for the rare payload that has no JSON text (and for comparison in tests). */
export function pushFrameObject(m: PushMessage, sentAt: number) {
  return {
    type: 'push' as const,
    id: m.id,
    payload: m.payload,
    priority: m.priority ?? 'normal',
    sentAt,
    ...(m.ttlSeconds !== undefined ? { ttlSeconds: m.ttlSeconds } : {}),
    ...(m.ackRequired ? { ackRequired: true as const } : {}),
  };
}
