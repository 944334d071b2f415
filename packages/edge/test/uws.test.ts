import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import WebSocket from 'ws';

const uwsModule = new URL('../src/uws.ts', import.meta.url).href;

test('loadUws returns the native uWebSockets.js build', async () => {
  const { loadUws } = await import(uwsModule);
  const uWS = loadUws();
  assert.match(Function.prototype.toString.call(uWS.App), /\[native code\]/);
});

test('uWS detaches each message buffer once its handler returns (why loadUws detaches one first)', async () => {
  const { loadUws } = await import(uwsModule);
  const uWS = loadUws();
  let kept: ArrayBuffer | undefined;
  let sizeInHandler = -1;
  let handled!: () => void;
  const afterHandler = new Promise<void>((resolve) => (handled = resolve));
  const app = uWS.App().ws('/*', {
    message: (_ws: unknown, message: ArrayBuffer) => {
      kept = message;
      sizeInHandler = message.byteLength;
      setImmediate(handled);
    },
  });
  let listenSocket: unknown;
  app.listen('127.0.0.1', 0, (token: unknown) => (listenSocket = token));
  assert.ok(listenSocket, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${uWS.us_socket_local_port(listenSocket)}/`);
  try {
    client.on('open', () => client.send('subscribe'));
    await afterHandler;
  } finally {
    client.terminate();
    uWS.us_listen_socket_close(listenSocket);
  }
  assert.equal(sizeInHandler, 9);
  assert.equal(kept?.byteLength, 0, 'detached after the handler');
});

test('loadUws detaches an ArrayBuffer up front, once, so uWS detaching the first message buffer deoptimizes nothing', () => {
  // V8 reports the one-time flip of its "no ArrayBuffer was ever detached" protector; the edge
  // must cause it while loading uWS, before any request handler is hot, not at the first message.
  // The server calls loadUws wherever it needs uWS: only the first call checks and detaches.
  const program = `
    const { loadUws } = await import(${JSON.stringify(uwsModule)});
    let clones = 0;
    const clone = globalThis.structuredClone;
    globalThis.structuredClone = (...args) => (clones++, clone(...args));
    console.log('-- loading');
    loadUws();
    console.log('-- loaded');
    loadUws();
    loadUws();
    console.log('-- detaches', clones);`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--trace-protector-invalidation', '--input-type=module', '-e', program], {
    encoding: 'utf8',
  });
  const during = out.slice(out.indexOf('-- loading'), out.indexOf('-- loaded'));
  assert.match(during, /Invalidating protector cell ArrayBufferDetaching/, out);
  assert.match(out, /-- detaches 1\n/, out);
});
