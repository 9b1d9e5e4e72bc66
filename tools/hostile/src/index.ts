/**
 * tools/hostile: the standing hostile-input suite's building blocks — fast-check generators of
 * device frames, WebSocket handshakes and internal-API requests; raw-socket clients that send them
 * byte for byte; and the rules for what counts as a typed answer. The suite itself is in test/.
 */
export { hostileJson, hostileId, mutatedJson, nestedJson, type HostileJson, type MutatedJson } from './arbitraries/hostile-json';
export { hostileFrame, type HostileFrame, type FrameTargets } from './arbitraries/device-frames';
export { hostileHandshake, type HostileHandshake, type HandshakeTarget, type Expectation } from './arbitraries/handshakes';
export { hostileRequest, type HostileRequest, type ApiTargets } from './arbitraries/http-requests';
export { exchange, LOOPBACK, type Exchange, type ExchangeOptions, type ExchangeOutcome } from './wire/raw-exchange';
export { parseHttpResponse, type HttpAnswer, type ParsedResponse } from './wire/http-response';
export { upgradeRequest, plainRequest, requestBytes, splitAt, webSocketKey, acceptFor, type RequestParts } from './wire/handshake';
export {
  encodeClientFrame,
  textFrame,
  closeFrame,
  closeCodeOf,
  ServerFrameReader,
  Opcode,
  type ClientFrameSpec,
  type ServerFrame,
} from './wire/ws-codec';
export { RawWebSocket, UpgradeRefused, type WsEnd } from './wire/raw-ws';
export {
  isErrorBody,
  jsonOf,
  httpAnswerProblem,
  exchangeProblem,
  describeExchange,
  wsEndProblem,
  TYPED_CLOSE_CODES,
  type ErrorBodyShape,
} from './answers';
export { rssBytes } from './memory';
