import { PushwireError } from '@pushwire/protocol';

/**
 * Anything tools/infra cannot do on its own: a missing prerequisite, a failed fetch, a process that
 * did not become ready. The message says what to do next; `cause` keeps the underlying error. Its
 * code is the tool's own (no service answers with it); not retriable: a person has to act.
 */
export class InfraError extends PushwireError<'infra_failed'> {
  override readonly name = 'InfraError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('infra_failed', message, options);
  }
}

/** The hint every "cannot start" error ends with: the way around starting anything locally. */
export const USE_EXISTING_HINT =
  'Or point the tests at services you already run (for example `docker compose up kafka dynamodb`) by setting ' +
  'KAFKA_BROKERS=127.0.0.1:9092 and DYNAMODB_ENDPOINT=http://127.0.0.1:8000.';
