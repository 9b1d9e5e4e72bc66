/**
 * Where globalSetup leaves the infra it started for globalTeardown: both run in jest's main
 * process but load modules separately, so a module variable would not be shared; globalThis is.
 */
export const HANDLE = Symbol.for('pushwire.infra.jest');
