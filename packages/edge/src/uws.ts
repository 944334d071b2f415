import uWS from 'uWebSockets.js';

/**
 * uWebSockets.js silently falls back to a slow `ws`-based shim when its native
 * binary does not load (wrong Node ABI, glibc). Herald refuses to start on the
 * shim: its throughput and memory would be a fraction of what it promises.
 */
export function loadUws(): typeof uWS {
  if (!/\[native code\]/.test(Function.prototype.toString.call(uWS.App))) {
    throw new Error(
      `uWebSockets.js native binary did not load (Node ${process.version}, ABI ${process.versions.modules}); ` +
        'Herald needs Node 20 on glibc ≥ 2.36 (see docs/operations.md). Refusing to run on the JavaScript fallback.',
    );
  }
  return uWS;
}

export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
