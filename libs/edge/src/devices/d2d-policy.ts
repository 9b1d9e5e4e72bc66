/** One side of a device-to-device message. */
export interface D2dParty {
  readonly deviceId: string;
  readonly accountId: string;
  readonly deviceType: string;
}

/**
 * Who may message whom (docs/architecture.md, Flows: "Device to device"). Called on every `d2d.send` with the
 * target's identity as the edge knows it (local connection or registry record), so it must be cheap
 * and synchronous: a policy that needs outside data keeps its own cache. The target is always a
 * device of the sender's account (`to` names a device within it): a policy narrows who may message
 * whom inside an account (by device type, say); it cannot open a way into another account.
 */
export interface D2dPolicy {
  allows(from: D2dParty, to: D2dParty): boolean;
}

/** The default: devices of one account reach each other (kept as a check, though the router never offers another account's device). */
export const sameAccountPolicy: D2dPolicy = {
  allows: (from, to) => from.accountId === to.accountId,
};
