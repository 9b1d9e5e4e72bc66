import { PushwireError, type PushwireErrorOptions } from '@pushwire/protocol';

/** Who a device connection belongs to, as established by a DeviceAuthenticator. */
export interface DeviceIdentity {
  accountId: string;
  deviceId: string;
  deviceType: string;
  deviceName?: string;
  /** The topic patterns the device may subscribe to (token claim `topics`, e.g. `live:*`); absent: none. */
  topics?: readonly string[];
  /** When the credential stops being valid, in epoch seconds (JWT `exp`). */
  expiresAt?: number;
}

/**
 * Why authentication failed. It is counted and logged, never told to the client: a 401 body says
 * only that a token is missing, or that it is invalid or expired (see `publicMessage`).
 */
export type AuthFailure =
  | 'missing_token'
  | 'oversized_token'
  | 'invalid_token'
  | 'expired_token'
  | 'invalid_claims'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'lifetime_too_long'
  | 'issued_in_future';

/** A credential that does not establish a device (code `unauthorized`); `reason` says why. */
export class AuthError extends PushwireError {
  override readonly name = 'AuthError';
  constructor(
    readonly reason: AuthFailure,
    message: string,
    options: PushwireErrorOptions = {},
  ) {
    super('unauthorized', message, options);
  }

  /**
   * What an unauthenticated client is told: that a token is required, or that the one it sent is
   * invalid or expired. Never which check failed, nor the JWT library's words: those help an
   * attacker probe, and the logs (debug) have them.
   */
  get publicMessage(): string {
    return this.reason === 'missing_token' ? 'a device token is required' : 'the device token is invalid or expired';
  }
}

/**
 * The pluggable hook that decides who a device is (Zuul Push's PushAuthHandler.doAuth). It is given
 * the raw credential and returns the identity, or throws AuthError.
 */
export interface DeviceAuthenticator {
  authenticate(token: string): Promise<DeviceIdentity>;
  /**
   * Optional: the same verdict synchronously (the identity, or a throw of the AuthError), for an
   * authenticator that needs no I/O for it; the edge then upgrades a connection without a promise turn.
   */
  authenticateNow?(token: string): DeviceIdentity;
}
