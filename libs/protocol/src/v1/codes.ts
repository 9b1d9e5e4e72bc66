/**
 * The one catalogue of codes that cross a process boundary: WebSocket close codes, delivery
 * statuses (with the HTTP status the edge answers for each), and error codes. Values are stable:
 * clients switch on them.
 */

/** WebSocket close codes the edge uses. 4000–4099 are Pushwire's own. */
export const CloseCode = {
  /** Normal closure requested by either side. */
  NORMAL: 1000,
  /** The edge is shutting down. */
  GOING_AWAY: 1001,
  /** Too many bad frames, a binary frame, or a frame before first-frame auth. */
  POLICY_VIOLATION: 1008,
  /** A frame larger than PUSHWIRE_MAX_MESSAGE_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected server error. */
  INTERNAL_ERROR: 1011,
  /** Reconnect requested: maximum lifetime reached or the edge drains. Reconnect after the hinted delay. */
  RECONNECT: 4000,
  /** A newer connection of the same device replaced this one. Do not reconnect automatically. */
  REPLACED: 4001,
  /** The device read too slowly and its send buffer passed the limit. */
  TOO_SLOW: 4002,
  /**
   * First-frame authentication failed or did not arrive within PUSHWIRE_NOAUTH_TTL_SECONDS, or an
   * `auth` frame on an open connection carried a token that is invalid or not this device's.
   */
  AUTH_FAILED: 4003,
  /**
   * The connection's token expired (after a `reconnect` frame with reason `token_expired`).
   * Reconnect after the hinted delay with a fresh token; the same token would be refused.
   */
  TOKEN_EXPIRED: 4004,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

interface StatusInfo {
  /** HTTP status of a single (non-batch) delivery answered with this status. */
  readonly http: number;
  /** Whether trying again later (with a fresh registry lookup) can succeed. */
  readonly retriable: boolean;
  readonly description: string;
}

/** Outcome of delivering one message to one device (direct push, indirect push, device to device). */
export const DeliveryStatuses = {
  delivered: { http: 200, retriable: false, description: 'Written to the device connection.' },
  acknowledged: { http: 200, retriable: false, description: 'The device acknowledged it (ack was requested).' },
  ack_timeout: { http: 202, retriable: false, description: 'Written, but the device did not acknowledge it within the ack timeout.' },
  not_connected: { http: 404, retriable: true, description: 'The device has no live connection.' },
  gone: {
    http: 410,
    retriable: true,
    description: 'Stale route: the edge holds no (or a newer) connection for the device. Look up again.',
  },
  backpressure: { http: 429, retriable: true, description: "The device's send buffer is full; retry after the hinted delay." },
  expired: { http: 422, retriable: false, description: 'The message TTL passed before it could be delivered.' },
  rejected: { http: 400, retriable: false, description: 'The message is invalid or too large for the device.' },
  forbidden: { http: 403, retriable: false, description: 'The sender may not reach this device.' },
  rate_limited: { http: 429, retriable: true, description: 'The sender exceeded its rate limit.' },
  unavailable: { http: 503, retriable: true, description: 'A dependency (registry, edge) could not be reached.' },
  stored: {
    http: 202,
    retriable: false,
    description:
      "Not deliverable now; kept in the device's inbox and delivered when it connects, until its TTL ends (not final: the final outcome follows).",
  },
  overflow: {
    http: 507,
    retriable: false,
    description: "Not deliverable now, and the device's inbox is full (count or bytes): the message was not kept.",
  },
} as const satisfies Record<string, StatusInfo>;
export type DeliveryStatus = keyof typeof DeliveryStatuses;
export const DELIVERY_STATUSES = Object.keys(DeliveryStatuses) as DeliveryStatus[];

/**
 * Error codes of `error` frames, of JSON error bodies (`{"error":{"code","message"}}`) and of every
 * PushwireError a library throws (a few, such as `invalid_config`, never leave the process).
 */
export const ErrorCodes = {
  invalid_json: { http: 400, retriable: false, description: 'The frame or body is not valid JSON.' },
  invalid_frame: { http: 400, retriable: false, description: 'The frame or body does not match its schema.' },
  unknown_type: { http: 400, retriable: false, description: 'The frame type is not known to this protocol version.' },
  invalid_request: {
    http: 400,
    retriable: false,
    description: "The HTTP body or parameters do not match the schema (in-process: a call's arguments or a command line are wrong).",
  },
  binary_not_supported: { http: 400, retriable: false, description: 'Binary frames are not accepted.' },
  invalid_handshake: {
    http: 400,
    retriable: false,
    description:
      'Not a WebSocket handshake the edge accepts: GET with Upgrade: websocket, Connection: upgrade and a Sec-WebSocket-Key of 16 bytes.',
  },
  unsupported_websocket_version: {
    http: 426,
    retriable: false,
    description: 'Sec-WebSocket-Version is missing or not 13 (RFC 6455); the answer carries Sec-WebSocket-Version: 13.',
  },
  not_authenticated: { http: 401, retriable: false, description: 'No token, or the first frame was not `auth`.' },
  unauthorized: { http: 401, retriable: false, description: 'The token or service token is missing, invalid or expired.' },
  forbidden: { http: 403, retriable: false, description: 'Authenticated, but not allowed to do this.' },
  not_found: { http: 404, retriable: false, description: 'No such resource.' },
  payload_too_large: { http: 413, retriable: false, description: 'The frame or body exceeds the size limit.' },
  rate_limited: { http: 429, retriable: true, description: 'Too many requests; slow down.' },
  limit_exceeded: {
    http: 409,
    retriable: false,
    description: 'A per-connection limit is reached (topics per connection): free one before asking for another.',
  },
  overloaded: { http: 503, retriable: true, description: 'Too many new connections; retry after the hinted delay.' },
  draining: { http: 503, retriable: true, description: 'This edge is shutting down; connect to another one.' },
  store_unavailable: { http: 503, retriable: true, description: 'The backing store failed; this is not a "not found".' },
  queue_unavailable: { http: 503, retriable: true, description: 'The event bus (Kafka) did not take the message; nothing was enqueued.' },
  corrupt_record: {
    http: 500,
    retriable: false,
    description: 'The store holds a record this service cannot read (written by something else); reading it again gives the same.',
  },
  invalid_config: { http: 500, retriable: false, description: 'The configuration (environment) is invalid; the service does not start.' },
  internal: { http: 500, retriable: true, description: 'Unexpected server error.' },
  // The two below are a caller's verdict on a call to another service that brought no error body
  // of its own; a service may pass them on when its answer depends on that call.
  unreachable: {
    http: 503,
    retriable: true,
    description: 'The called service could not be reached: connection refused or reset, timed out, or the call was aborted.',
  },
  invalid_response: {
    http: 502,
    retriable: false,
    description: 'The called service answered outside its API contract (a body off the schema, or a failure without an error body).',
  },
} as const satisfies Record<string, StatusInfo>;
export type ErrorCode = keyof typeof ErrorCodes;
