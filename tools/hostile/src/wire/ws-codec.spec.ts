import fc from 'fast-check';
import { closeCodeOf, encodeClientFrame, Opcode, ServerFrameReader } from './ws-codec';

/** A server frame (unmasked) as a server would write it. */
const serverFrame = (opcode: number, payload: Buffer, fin = true) => encodeClientFrame({ opcode, payload, fin, masked: false });

describe('ws-codec', () => {
  it('masks client frames: unmasking the payload with the key gives it back', () => {
    const frame = encodeClientFrame({ opcode: Opcode.text, payload: Buffer.from('hello') });
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(0x80 | 5);
    const key = frame.subarray(2, 6);
    expect(Buffer.from(frame.subarray(6).map((b, i) => b ^ key[i & 3]!)).toString()).toBe('hello');
  });

  it('sets FIN, RSV and opcode bits as asked, unmasked when asked', () => {
    const frame = encodeClientFrame({ opcode: Opcode.reserved, payload: Buffer.alloc(0), fin: false, rsv: 5, masked: false });
    expect([...frame]).toEqual([0x53, 0x00]);
  });

  it('reads back any sequence of frames of any length, however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(Opcode.text, Opcode.binary, Opcode.close, Opcode.ping), fc.uint8Array({ maxLength: 70_000 })), {
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 5000 }),
        (frames, chunk) => {
          const wire = Buffer.concat(frames.map(([op, p]) => serverFrame(op, Buffer.from(p))));
          const reader = new ServerFrameReader();
          const read = [];
          for (let at = 0; at < wire.length; at += chunk) read.push(...reader.push(wire.subarray(at, at + chunk)));
          expect(read.map((f) => [f.opcode, [...f.payload]])).toEqual(frames.map(([op, p]) => [op, [...p]]));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('reads the close code, 1005 when there is none', () => {
    expect(closeCodeOf(Buffer.from([0x0f, 0xa0, 0x68]))).toBe(4000);
    expect(closeCodeOf(Buffer.alloc(0))).toBe(1005);
  });
});
