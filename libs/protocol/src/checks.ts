import type { ValidationIssue } from './validation-error';

// Hand-written checks, the schema-free twin of the TypeBox schemas for the frames the device SDK
// reads and sends: TypeBox compiles its validators with `new Function`, which a page whose
// Content-Security-Policy forbids eval cannot run, and its ~90 KB would triple the SDK's bundle.
// Each combinator accepts exactly what the TypeBox keyword it stands for accepts (with TypeBox's
// default policy: finite numbers only, arrays are not objects); frame-checks.spec.ts holds them to
// the schemas on random valid and invalid frames.

/** Checks one value: undefined when it passes, else the first problem, at `path` (a JSON pointer). */
export type Check = (value: unknown, path: string) => ValidationIssue | undefined;

/** A property that may be absent (TypeBox's Type.Optional). */
export interface OptionalCheck {
  readonly optional: Check;
}

const issue = (path: string, message: string): ValidationIssue => ({ path: path || '/', message });
const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Type.String({ minLength, maxLength, pattern }): lengths in UTF-16 code units, as TypeBox counts them. */
export function str(minLength: number, maxLength: number, pattern?: string): Check {
  const re = pattern === undefined ? undefined : new RegExp(pattern);
  return (v, p) => {
    if (typeof v !== 'string') return issue(p, 'expected a string');
    if (v.length < minLength || v.length > maxLength) return issue(p, `expected ${minLength} to ${maxLength} characters`);
    return re && !re.test(v) ? issue(p, `expected to match ${pattern}`) : undefined;
  };
}

/** Type.Integer({ minimum, maximum }). */
export function int(minimum: number, maximum = Number.POSITIVE_INFINITY): Check {
  return (v, p) =>
    typeof v === 'number' && Number.isInteger(v) && v >= minimum && v <= maximum
      ? undefined
      : issue(p, `expected an integer from ${minimum} to ${maximum}`);
}

/** Type.Number(): any finite number. */
export const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : issue(p, 'expected a number'));

/** Type.Boolean(). */
export const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : issue(p, 'expected a boolean'));

/** Type.Unknown(): anything (a required unknown property must still be present: see obj). */
export const any: Check = () => undefined;

/** Type.Literal(x) or a union of literals. */
export function oneOf(values: readonly (string | number)[]): Check {
  return (v, p) =>
    values.includes(v as string | number)
      ? undefined
      : issue(p, `expected ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}`);
}

/** Type.Optional(check). */
export const optional = (check: Check): OptionalCheck => ({ optional: check });

/** Type.Array(item). */
export function arrayOf(item: Check): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return issue(p, 'expected an array');
    for (let i = 0; i < v.length; i++) {
      const found = item(v[i], `${p}/${i}`);
      if (found) return found;
    }
    return undefined;
  };
}

/** Type.Object(props, { additionalProperties: false }): a plain object with exactly these (own) keys. */
export function obj(props: Record<string, Check | OptionalCheck>): Check {
  const keys = Object.keys(props);
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return issue(p, 'expected an object');
    for (const key of Object.keys(v)) if (!hasOwn(props, key)) return issue(`${p}/${key}`, 'unexpected property');
    for (const key of keys) {
      const spec = props[key]!;
      const present = hasOwn(v, key);
      if (typeof spec !== 'function') {
        const found = present ? spec.optional((v as Record<string, unknown>)[key], `${p}/${key}`) : undefined;
        if (found) return found;
        continue;
      }
      if (!present) return issue(`${p}/${key}`, 'required property');
      const found = spec((v as Record<string, unknown>)[key], `${p}/${key}`);
      if (found) return found;
    }
    return undefined;
  };
}
