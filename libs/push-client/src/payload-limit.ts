/**
 * Why a payload can never be delivered: its JSON alone is larger than the largest device frame
 * (the push frame around it only adds bytes), so every edge would answer `rejected`. Undefined when
 * it may fit. The payload has passed the protocol's validators, so it encodes (it nests at most
 * MAX_PAYLOAD_DEPTH levels).
 */
export function payloadNeverFits(payload: unknown, maxMessageBytes: number): string | undefined {
  const text = JSON.stringify(payload);
  // Characters ≤ bytes ≤ 3 × characters: count bytes only when it matters.
  if (text.length * 3 <= maxMessageBytes) return undefined;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxMessageBytes) return undefined;
  return `the payload's ${bytes} bytes can never fit a device frame of at most ${maxMessageBytes} bytes (PUSHWIRE_MAX_MESSAGE_BYTES)`;
}
