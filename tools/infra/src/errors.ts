/**
 * Anything tools/infra cannot do on its own: a missing prerequisite, a failed fetch, a process that
 * did not become ready. The message says what to do next; `cause` keeps the underlying error.
 */
export class InfraError extends Error {
  override readonly name = 'InfraError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The hint every "cannot start" error ends with: the way around starting anything locally. */
export const USE_EXISTING_HINT =
  'Or point the tests at services you already run (for example `docker compose up kafka dynamodb`) by setting ' +
  'KAFKA_BROKERS=127.0.0.1:9092 and DYNAMODB_ENDPOINT=http://127.0.0.1:8000.';
