import fc from 'fast-check';
import { encodeClientFrame, Opcode, textFrame } from '../wire/ws-codec';
import { mutatedJson } from './hostile-json';
import { labelled } from './labelled';

/** What a device sends in one step: one or more encoded WebSocket frames, and what they are. */
export interface HostileFrame {
  readonly label: string;
  readonly bytes: Buffer;
}

/** Who the frames may name: devices that exist (so requests reach the code behind the lookups). */
export interface FrameTargets {
  /** Device ids of another account (d2d to them must be refused). */
  readonly otherAccountDevices: readonly string[];
}

/** One valid frame of each type a device may send. */
function validFrames(targets: FrameTargets): Record<string, unknown>[] {
  const other = targets.otherAccountDevices[0] ?? 'nobody';
  return [
    { type: 'ack', id: 'm-1' },
    { type: 'ping', t: 1 },
    { type: 'd2d.send', reqId: 'r-1', to: other, payload: { hello: 'there' } },
    { type: 'devices.list', reqId: 'r-2' },
    { type: 'devices.subscribe', reqId: 'r-3' },
    { type: 'auth', token: 'x' },
  ];
}

const text = (label: string, value: string): HostileFrame => ({ label, bytes: textFrame(value) });

/** Valid-looking JSON of each frame type with one field mutated. */
const mutatedFrames = (targets: FrameTargets) =>
  fc.constantFrom(...validFrames(targets)).chain((base) => mutatedJson(base).map((m) => text(`${String(base.type)}: ${m.label}`, m.text)));

/** Frames that are not the protocol's JSON objects at all. */
const notFrames = fc.oneof(
  fc
    .constantFrom(
      '{not json',
      '',
      'null',
      '42',
      '"hello"',
      '[]',
      '{}',
      '{"type":null}',
      '{"type":"teleport"}',
      '{"type":"ack","id":"m","id":"n"}',
    )
    .map((v) => text(`text ${JSON.stringify(v)}`, v)),
  fc.string({ maxLength: 200 }).map((v) => text('random text', v)),
);

/** Text frames whose payload is not UTF-8 (RFC 6455 requires the receiver to fail the connection: 1007). */
const invalidUtf8 = fc
  .constantFrom([0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d])
  .map((bytes) => ({
    label: `text with invalid UTF-8 ${Buffer.from(bytes).toString('hex')}`,
    bytes: encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from(bytes) }),
  }));

const binary = fc.uint8Array({ minLength: 0, maxLength: 512 }).map((b) => ({
  label: `binary frame of ${b.length} bytes`,
  bytes: encodeClientFrame({ opcode: Opcode.binary, payload: Buffer.from(b) }),
}));

/** Past the frame limit (64 KiB → 1009), and past the WebSocket layer's own limit (1 MiB). */
const oversized = fc
  .constantFrom(65_537, 70_000, 1_100_000)
  .map((n) => text(`text frame of ${n} bytes`, JSON.stringify({ type: 'ping', pad: 'x'.repeat(n) })));

/** Framing the protocol forbids, and control frames. */
const framing = fc.oneof(
  fc.constant({ label: 'reserved opcode 0x3', bytes: encodeClientFrame({ opcode: Opcode.reserved, payload: Buffer.from('x') }) }),
  fc.integer({ min: 1, max: 7 }).map((rsv) => ({
    label: `RSV bits ${rsv} without an extension`,
    bytes: encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from('{"type":"ping"}'), rsv }),
  })),
  fc.constant({
    label: 'unmasked client frame',
    bytes: encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from('{"type":"ping"}'), masked: false }),
  }),
  fc.constant({
    label: 'continuation without a start',
    bytes: encodeClientFrame({ opcode: Opcode.continuation, payload: Buffer.from('x') }),
  }),
  fc.constant({
    label: 'ping split over two fragments',
    bytes: Buffer.concat([
      encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from('{"type":'), fin: false }),
      encodeClientFrame({ opcode: Opcode.continuation, payload: Buffer.from('"ping","t":2}') }),
    ]),
  }),
  fc.uint8Array({ maxLength: 125 }).map((b) => ({
    label: `ping control frame of ${b.length} bytes`,
    bytes: encodeClientFrame({ opcode: Opcode.ping, payload: Buffer.from(b) }),
  })),
  fc.constant({
    label: 'ping control frame of 126 bytes (too long)',
    bytes: encodeClientFrame({ opcode: Opcode.ping, payload: Buffer.alloc(126) }),
  }),
  fc.constant({
    label: 'fragmented ping control frame',
    bytes: encodeClientFrame({ opcode: Opcode.ping, payload: Buffer.from('x'), fin: false }),
  }),
);

/** Any one hostile step of a device. */
export function hostileFrame(targets: FrameTargets): fc.Arbitrary<HostileFrame> {
  return fc
    .oneof(
      { arbitrary: mutatedFrames(targets), weight: 6 },
      { arbitrary: notFrames, weight: 2 },
      { arbitrary: invalidUtf8, weight: 1 },
      { arbitrary: binary, weight: 1 },
      { arbitrary: oversized, weight: 1 },
      { arbitrary: framing, weight: 2 },
    )
    .map(labelled);
}
