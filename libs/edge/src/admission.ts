import { AuthError, checkTokenSize, type DeviceAuthenticator, type DeviceIdentity } from '@pushwire/auth';
import type { Logger } from '@pushwire/service-kit';
import type { AcceptLimiter } from './accept-limiter';
import type { EdgeMetrics } from './edge-metrics';

/** Why a new connection is refused now, and when its device should come back. */
export interface Refusal {
  code: 'draining' | 'overloaded';
  retryAfterSeconds: number;
}

export interface AdmissionDeps {
  authenticator: DeviceAuthenticator;
  limiter: Pick<AcceptLimiter, 'admit'>;
  /** Counts refusals and failed authentications, by reason. */
  metrics: Pick<EdgeMetrics, 'rejects'>;
  /** Why a token was refused goes here (debug), never to the client. */
  logger?: Pick<Logger, 'debug'>;
}

/** What an unauthenticated client is told about a refused token: generic (the reason is logged, at debug). */
export function publicAuthMessage(err: unknown): string {
  return err instanceof AuthError ? err.publicMessage : 'the device token is invalid or expired';
}

/**
 * Who may connect: nobody while the edge drains, not more than the accept-rate limit lets in, and
 * only devices whose token verifies. Every refusal is counted by reason.
 */
export class Admission {
  private drainingNow = false;

  constructor(private readonly deps: AdmissionDeps) {}

  get draining(): boolean {
    return this.drainingNow;
  }

  /** From now on every new connection is refused `draining` (devices go to another edge). */
  startDraining(): void {
    this.drainingNow = true;
  }

  /** Why a new connection must be refused now, or undefined to accept it. Asked before any auth work. */
  refusal(): Refusal | undefined {
    if (this.drainingNow) {
      this.deps.metrics.rejects.labels('draining').inc();
      return { code: 'draining', retryAfterSeconds: 1 };
    }
    const refusal = this.deps.limiter.admit();
    if (refusal) this.deps.metrics.rejects.labels(refusal.code).inc();
    return refusal;
  }

  /**
   * The identity a device token proves; rejects (counted by reason, logged at debug) when it proves
   * none. A token over MAX_TOKEN_BYTES is refused before the authenticator sees it, on every path.
   */
  authenticate(token: string): Promise<DeviceIdentity> {
    let verified: Promise<DeviceIdentity>;
    try {
      checkTokenSize(token);
      verified = this.deps.authenticator.authenticate(token);
    } catch (e) {
      verified = Promise.reject(e);
    }
    return verified.catch((err: unknown) => {
      this.refused(err);
      throw err;
    });
  }

  /**
   * `authenticate`'s verdict synchronously, when the authenticator can give one (HS256: no I/O):
   * the identity, or a throw of the same error, counted and logged the same way. Undefined when it
   * cannot: then call `authenticate`. Saves the accept path its promise turns and its abort watch.
   */
  authenticateNow(token: string): DeviceIdentity | undefined {
    const { authenticator } = this.deps;
    if (!authenticator.authenticateNow) return undefined;
    try {
      checkTokenSize(token);
      return authenticator.authenticateNow(token);
    } catch (err) {
      this.refused(err);
      throw err;
    }
  }

  private refused(err: unknown): void {
    const reason = err instanceof AuthError ? err.reason : 'auth_error';
    this.deps.metrics.rejects.labels(reason).inc();
    this.deps.logger?.debug({ err, reason }, 'device token refused');
  }
}
