/** @pushwire/auth — device authentication (pluggable; JWT by default) and dev token minting. */
export * from './device-identity';
export * from './jwt-authenticator';
export * from './mint-token';
export * from './token-size';
