import { PushwireError, type PushwireErrorOptions } from '@pushwire/protocol';

/** Who a device connection belongs to, as established by a DeviceAuthenticator. */
export interface DeviceIdentity {
  accountId: string;
  deviceId: string;
  deviceType: string;
  deviceName?: string;
  /** When the credential stops being valid, in epoch seconds (JWT `exp`). */
  expiresAt?: number;
}

/** Why authentication failed; goes into the 401 body (never the token itself). */
export type AuthFailure = 'missing_token' | 'invalid_token' | 'expired_token' | 'invalid_claims';

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
}

/**
 * The pluggable hook that decides who a device is (Zuul Push's PushAuthHandler.doAuth). It is given
 * the raw credential and returns the identity, or throws AuthError.
 */
export interface DeviceAuthenticator {
  authenticate(token: string): Promise<DeviceIdentity>;
}
