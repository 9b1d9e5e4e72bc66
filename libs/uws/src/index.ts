/**
 * @pushwire/uws — the one way into uWebSockets.js. Every file that needs uWS imports it from here
 * (lint forbids importing the package elsewhere), so switching to another build is a change to this
 * library and package.json alone. Importing it loads the native binary or stops the process with an
 * UnsupportedRuntimeError naming the supported Node.js versions.
 */
import type { us_listen_socket } from 'uWebSockets.js';
import { loadNativeUws } from './load-native';

export type {
  HttpRequest,
  HttpResponse,
  RecognizedString,
  TemplatedApp,
  us_listen_socket,
  WebSocket,
  WebSocketBehavior,
} from 'uWebSockets.js';
export {
  currentRuntime,
  loadNativeUws,
  SUPPORTED_NODE,
  UnsupportedRuntimeError,
  UWS_BUILD,
  type NodeRuntime,
  type UwsModule,
} from './load-native';

/** The native uWebSockets.js of this process. */
export const uWS = loadNativeUws();

/** The port a listen socket is bound to (what the OS chose for port 0). */
export function listenPort(socket: us_listen_socket): number {
  // A listen socket is a uSockets socket; the declarations type the parameter as the wider one.
  return uWS.us_socket_local_port(socket);
}

/** Stops listening; open connections stay until closed. */
export function closeListenSocket(socket: us_listen_socket): void {
  uWS.us_listen_socket_close(socket);
}
