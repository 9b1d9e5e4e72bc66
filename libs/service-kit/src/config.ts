/**
 * Typed configuration from environment variables. Each field names its env key, its default and its
 * bounds in one place; `loadConfig` fails fast with an error that names the offending key.
 */

import { PushwireError } from '@pushwire/protocol';

/** A configuration the service cannot start with (code `invalid_config`); the message names every offending key. */
export class ConfigError extends PushwireError {
  override readonly name = 'ConfigError';
  constructor(message: string) {
    super('invalid_config', message);
  }
}

interface FieldBase<T> {
  /** The environment variable, e.g. PUSHWIRE_HEARTBEAT_SECONDS. */
  env: string;
  description: string;
  /** Used when the variable is unset or empty. No default means required. */
  default?: T;
}
export interface IntField extends FieldBase<number> {
  kind: 'int';
  min?: number;
  max?: number;
}
export interface NumberField extends FieldBase<number> {
  kind: 'number';
  min?: number;
  max?: number;
}
export interface StringField extends FieldBase<string> {
  kind: 'string';
  pattern?: RegExp;
  oneOf?: readonly string[];
}
export interface BoolField extends FieldBase<boolean> {
  kind: 'bool';
}
export interface UrlField extends FieldBase<string> {
  kind: 'url';
}
/** A secret: never has a default in production; dev defaults are passed explicitly by the all-in-one. */
export interface SecretField extends FieldBase<string> {
  kind: 'secret';
  minLength?: number;
}
/**
 * A key no longer read: set, it stops the service (an operator would otherwise believe it still
 * applies); `description` says what replaced it. It has no value in the config.
 */
export interface RemovedField extends FieldBase<never> {
  kind: 'removed';
}
export type Field = IntField | NumberField | StringField | BoolField | UrlField | SecretField | RemovedField;

type ValueOf<F> = F extends IntField | NumberField ? number : F extends BoolField ? boolean : F extends RemovedField ? undefined : string;
export type ConfigOf<S extends Record<string, Field>> = { readonly [K in keyof S]: ValueOf<S[K]> };

export const int = (f: Omit<IntField, 'kind'>): IntField => ({ kind: 'int', ...f });
export const num = (f: Omit<NumberField, 'kind'>): NumberField => ({ kind: 'number', ...f });
export const str = (f: Omit<StringField, 'kind'>): StringField => ({ kind: 'string', ...f });
export const bool = (f: Omit<BoolField, 'kind'>): BoolField => ({ kind: 'bool', ...f });
export const url = (f: Omit<UrlField, 'kind'>): UrlField => ({ kind: 'url', ...f });
export const secret = (f: Omit<SecretField, 'kind'>): SecretField => ({ kind: 'secret', ...f });
export const removed = (f: Omit<RemovedField, 'kind'>): RemovedField => ({ kind: 'removed', ...f });

function parseField(f: Exclude<Field, RemovedField>, raw: string): number | string | boolean {
  const bad = (why: string) =>
    new ConfigError(`${f.env}=${JSON.stringify(f.kind === 'secret' ? '***' : raw)} is invalid: ${why} (${f.description})`);
  switch (f.kind) {
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n) || (f.kind === 'int' && !Number.isInteger(n)))
        throw bad(`expected ${f.kind === 'int' ? 'an integer' : 'a number'}`);
      if (f.min !== undefined && n < f.min) throw bad(`must be ≥ ${f.min}`);
      if (f.max !== undefined && n > f.max) throw bad(`must be ≤ ${f.max}`);
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw bad('expected true or false');
    case 'url':
      try {
        const u = new URL(raw);
        if (!/^(https?|wss?):$/.test(u.protocol)) throw new Error();
      } catch {
        throw bad('expected an http(s) or ws(s) URL');
      }
      return raw.replace(/\/+$/, '');
    case 'secret':
      if (raw.length < (f.minLength ?? 16)) throw bad(`must be at least ${f.minLength ?? 16} characters`);
      return raw;
    case 'string':
      if (f.pattern && !f.pattern.test(raw)) throw bad(`must match ${f.pattern}`);
      if (f.oneOf && !f.oneOf.includes(raw)) throw bad(`must be one of ${f.oneOf.join(', ')}`);
      return raw;
  }
}

/**
 * Reads every field from `env`. `overrides` (used by the all-in-one and by tests) win over env;
 * a required field (no default) that is missing stops the service with a message naming the key.
 */
export function loadConfig<S extends Record<string, Field>>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ConfigOf<S>> = {},
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, f] of Object.entries(spec)) {
    if (name in overrides && (overrides as Record<string, unknown>)[name] !== undefined) {
      out[name] = (overrides as Record<string, unknown>)[name];
      continue;
    }
    const raw = env[f.env];
    if (f.kind === 'removed') {
      if (raw !== undefined && raw !== '') problems.push(`${f.env} is no longer read: ${f.description}`);
      continue;
    }
    if (raw === undefined || raw === '') {
      if (f.default === undefined) {
        problems.push(`${f.env} is required: ${f.description}`);
        continue;
      }
      out[name] = f.default;
      continue;
    }
    try {
      out[name] = parseField(f, raw);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return out as ConfigOf<S>;
}
