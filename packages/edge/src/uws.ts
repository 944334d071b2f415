import uWS from 'uWebSockets.js';

let loaded: typeof uWS | undefined;

/**
 * uWebSockets.js silently falls back to a slow `ws`-based shim when its native
 * binary does not load (wrong Node ABI, glibc). Herald refuses to start on the
 * shim: its throughput and memory would be a fraction of what it promises.
 * Checked (and the process prepared for uWS) on the first call only.
 */
export function loadUws(): typeof uWS {
  return (loaded ??= nativeUws());
}

function nativeUws(): typeof uWS {
  if (!/\[native code\]/.test(Function.prototype.toString.call(uWS.App))) {
    throw new Error(
      `uWebSockets.js native binary did not load (Node ${process.version}, ABI ${process.versions.modules}); ` +
        'Herald needs Node 20 on glibc ≥ 2.36 (see docs/operations.md). Refusing to run on the JavaScript fallback.',
    );
  }
  settleArrayBufferDetaching();
  return uWS;
}

/**
 * uWS detaches the ArrayBuffer of every received message once its handler returns. V8 keeps
 * a process-wide "no ArrayBuffer was ever detached" assumption, and the first detach throws
 * away all optimized code built on it: on a fresh edge, the JWT verify path (and Node's URL
 * and fs helpers) in the middle of its first connect storm. Detaching one empty buffer here,
 * before anything is optimized, makes that assumption false from the start, so nothing is
 * compiled on it (docs/benchmarks/cold-edge.md, "A fresh edge's first connects").
 */
function settleArrayBufferDetaching(): void {
  const buffer = new ArrayBuffer(0);
  structuredClone(buffer, { transfer: [buffer] });
}

export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
