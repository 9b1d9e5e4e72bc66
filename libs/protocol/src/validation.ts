import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ProtocolValidationError, type Refinement, type ValidationIssue } from './validation-error';

const MAX_ISSUES = 5;

/** A compiled validator for one schema: `check` is a fast boolean test, `decode` throws a typed error. */
export class Validator<S extends TSchema> {
  private readonly check: TypeCheck<S>;
  constructor(
    readonly schema: S,
    private readonly what: string,
    private readonly refine?: Refinement<Static<S>>,
  ) {
    this.check = TypeCompiler.Compile(schema);
  }

  is(value: unknown): value is Static<S> {
    return this.check.Check(value) && this.refine?.(value) === undefined;
  }

  /** Returns the value typed, or throws ProtocolValidationError listing the first few issues. */
  decode(value: unknown): Static<S> {
    if (this.check.Check(value)) {
      const issue = this.refine?.(value);
      if (issue) throw new ProtocolValidationError('invalid_frame', `invalid ${this.what}: ${issue.path} ${issue.message}`, [issue]);
      return value;
    }
    const issues: ValidationIssue[] = [];
    for (const e of this.check.Errors(value)) {
      issues.push({ path: e.path || '/', message: e.message });
      if (issues.length >= MAX_ISSUES) break;
    }
    const first = issues[0];
    throw new ProtocolValidationError('invalid_frame', `invalid ${this.what}${first ? `: ${first.path} ${first.message}` : ''}`, issues);
  }
}
