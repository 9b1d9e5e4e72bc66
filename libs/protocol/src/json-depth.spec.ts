import { MAX_JSON_DEPTH, MAX_PAYLOAD_DEPTH, nestsDeeperThan } from './json-depth';
import { parseJson, ProtocolValidationError } from './validation-error';

/** `n` arrays inside each other, around 1: its nesting depth is `n`. */
const arrays = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
/** `n` objects inside each other: {"a":{"a":…{}}}: its nesting depth is `n`. */
const objects = (n: number) => `${'{"a":'.repeat(n - 1)}{}${'}'.repeat(n - 1)}`;

describe('JSON nesting depth', () => {
  it('counts levels of arrays and objects alike; scalars are level 0', () => {
    for (const scalar of [1, 'x', null, true]) expect(nestsDeeperThan(scalar, 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan([], 1)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true);
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(arrays(10)), 10)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(arrays(11)), 10)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(objects(10)), 10)).toBe(false);
    expect(nestsDeeperThan(JSON.parse(objects(11)), 10)).toBe(true);
  });

  it('finds the one deep branch among wide shallow ones', () => {
    const wide = Array.from({ length: 10_000 }, (_, i) => ({ i }));
    expect(nestsDeeperThan(wide, 2)).toBe(false);
    wide[5_000] = { i: JSON.parse(arrays(3)) };
    expect(nestsDeeperThan(wide, 4)).toBe(true);
  });

  it('walks a million levels without overflowing the stack, and a cycle counts as too deep', () => {
    const deep = JSON.parse(arrays(1_000_000));
    expect(nestsDeeperThan(deep, MAX_JSON_DEPTH)).toBe(true);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(nestsDeeperThan(cycle, MAX_PAYLOAD_DEPTH)).toBe(true);
  });

  it('parseJson takes a document up to MAX_JSON_DEPTH and refuses a deeper one with invalid_frame', () => {
    expect(parseJson(arrays(MAX_JSON_DEPTH), 'body')).toBeDefined();
    for (const text of [arrays(MAX_JSON_DEPTH + 1), objects(MAX_JSON_DEPTH + 1), arrays(10_000)]) {
      let error: unknown;
      try {
        parseJson(text, 'body');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProtocolValidationError);
      expect(error).toMatchObject({
        code: 'invalid_frame',
        message: `body: / nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
      });
    }
  });
});
