import fc from 'fast-check';

/**
 * JSON pieces an attacker puts where a service expects a field: nesting deep enough to overflow a
 * recursive encoder, strings far past any limit, numbers at the edge of what a double holds, lone
 * surrogates. Kept as text with a short label: the values themselves could not be built (a
 * 10,000-deep array overflows JSON.stringify here too) and would drown a failure report.
 */
export interface HostileJson {
  /** JSON text (or, for some inputs, deliberately not quite JSON). */
  readonly text: string;
  /** What it is, short enough for a report. */
  readonly label: string;
}

/** `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels deep, as text. */
export function nestedJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const nested: fc.Arbitrary<HostileJson> = fc
  .tuple(fc.integer({ min: 200, max: 12_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([depth, kind]) => ({ text: nestedJson(depth, kind), label: `${kind} nested ${depth} deep` }));

const hugeString: fc.Arbitrary<HostileJson> = fc
  .integer({ min: 1024, max: 300_000 })
  .map((n) => ({ text: JSON.stringify('x'.repeat(n)), label: `string of ${n} chars` }));

const oddScalars: fc.Arbitrary<HostileJson> = fc
  .constantFrom(
    '1e308',
    '-1e308',
    '1e999',
    '-0',
    '0.5',
    '9007199254740993',
    '-1',
    'null',
    'true',
    '[]',
    '{}',
    '""',
    '"\\ud800"',
    '"\\u0000"',
  )
  .map((text) => ({ text, label: `scalar ${text}` }));

const wideArray: fc.Arbitrary<HostileJson> = fc
  .integer({ min: 1000, max: 100_000 })
  .map((n) => ({ text: `[${'0,'.repeat(n - 1)}0]`, label: `array of ${n} zeros` }));

const randomJson: fc.Arbitrary<HostileJson> = fc.json({ maxDepth: 4 }).map((text) => ({ text, label: `json ${text.slice(0, 40)}` }));

/** A hostile value for any JSON field. */
export const hostileJson: fc.Arbitrary<HostileJson> = fc.oneof(
  { arbitrary: nested, weight: 3 },
  { arbitrary: hugeString, weight: 2 },
  { arbitrary: oddScalars, weight: 3 },
  { arbitrary: wideArray, weight: 1 },
  { arbitrary: randomJson, weight: 2 },
);

/** Identifiers an attacker tries: empty, traversal, control and non-ASCII characters, far too long. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '..', '../../etc/passwd', 'a/b', 'a\u0000b', 'é', '💥', 'x?y=1', '#', '%2e%2e%2f', 'null'),
  fc.integer({ min: 129, max: 5000 }).map((n) => 'i'.repeat(n)),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.stringMatching(/^fz-[A-Za-z0-9._:@-]{1,40}$/),
);

const SENTINEL = '\u0000hostile-sentinel\u0000';

/** One field of a JSON object changed: its value replaced by hostile JSON, removed, or an unknown field added. */
export interface MutatedJson extends HostileJson {
  /** The field path that was changed, e.g. `message.payload`. */
  readonly path: string;
}

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value);
  return entries.length ? entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k])) : [prefix];
}

const DROP = Symbol('drop');

/** `value` with the field at `path` set to `leaf` (removed for DROP), copied along the path. */
function withLeaf(value: unknown, path: string[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...tail] = path;
  const copy = { ...(value as Record<string, unknown>) };
  const next = withLeaf(copy[head!], tail, leaf);
  if (next === DROP) delete copy[head!];
  else copy[head!] = next;
  return copy;
}

/**
 * `base` (a valid request or frame) as JSON text with one field mutated; the rest stays valid so
 * the input reaches the code behind the first check.
 */
export function mutatedJson(base: Record<string, unknown>): fc.Arbitrary<MutatedJson> {
  const paths = leafPaths(base).filter((p) => p.length > 0);
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom<'replace' | 'drop' | 'add'>('replace', 'replace', 'drop', 'add'), hostileJson)
    .map(([path, action, value]) => {
      const at = path.join('.');
      if (action === 'drop') return { text: JSON.stringify(withLeaf(base, path, DROP)), label: `without ${at}`, path: at };
      const target = action === 'add' ? [...path.slice(0, -1), 'unexpected'] : path;
      const text = JSON.stringify(withLeaf(base, target, SENTINEL)).replace(JSON.stringify(SENTINEL), () => value.text);
      return { text, label: `${target.join('.')} = ${value.label}`, path: target.join('.') };
    });
}
