import { AuthError, type DeviceAuthenticator, type DeviceIdentity } from '@pushwire/auth';
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

  /** The identity a device token proves; rejects (counted by reason) when it proves none. */
  authenticate(token: string): Promise<DeviceIdentity> {
    return this.deps.authenticator.authenticate(token).catch((err: unknown) => {
      this.deps.metrics.rejects.labels(err instanceof AuthError ? err.reason : 'auth_error').inc();
      throw err;
    });
  }
}
