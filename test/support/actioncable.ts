import WebSocket from 'ws';
import { adapters, createConsumer, logger, type ChannelParams, type Consumer, type Subscription } from '@rails/actioncable';
import type { Frame } from './client.js';
import { freePort } from '@herald/local-nats';
import { startTestEdge, type TestEdge } from './edge.js';
import { holdsFor, sleep, waitFor } from './wait.js';

export { holdsFor, sleep, waitFor };

/**
 * The official `@rails/actioncable` client, run in Node against a real edge, with a record of
 * everything it does: every socket it opened (URL, frames both ways, close), every call of its URL
 * function, every subscription callback.
 *
 * Node 20 is not a browser, so two things the client takes from its page are supplied here:
 * - `adapters.WebSocket`: the `ws` package's WebSocket (same constructor `(url, protocols)`, same
 *   `on<event>` handlers, same readyState constants), subclassed to record frames;
 * - a global `addEventListener`/`removeEventListener`: ConnectionMonitor.start() listens for the
 *   page's `visibilitychange` and would throw a ReferenceError without them. No-ops: a Node process
 *   has no visibility, and the client's reconnect logic (its polling) does not depend on them.
 */



/**
 * An embedded edge that can be restarted on its port: bound to an explicit free port, not port 0.
 * uSockets sets SO_REUSEADDR only on listeners bound to a non-zero port; the sockets a port-0
 * listener accepted inherit its lack of it, and the TIME_WAIT they leave when the edge closes them
 * first keeps every later bind of that port failing for a minute (Linux needs SO_REUSEADDR on both).
 */
export async function startRestartableTestEdge(): Promise<TestEdge> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startTestEdge({ HERALD_PORT: String(await freePort()) });
    } catch (err) {
      // Another process took the port between freePort() and the bind: pick another.
      if (attempt >= 5 || !/cannot listen/.test(String(err))) throw err;
    }
  }
}

/**
 * The same edge "restarted": a new embedded edge on `port` (of an edge from startRestartableTestEdge()).
 * Retries briefly in case the old listener is not released yet.
 */
export async function startTestEdgeOn(port: number, timeoutMs = 5000): Promise<TestEdge> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await startTestEdge({ HERALD_PORT: String(port) });
    } catch (err) {
      if (Date.now() > deadline || !/cannot listen/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface SocketRecord {
  readonly url: string;
  readonly ws: WebSocket;
  /** Frames the client sent, parsed. */
  readonly sent: Frame[];
  /** Frames the server sent, parsed, in order (recorded before the client's own handler runs). */
  readonly received: Frame[];
  close: { code: number; reason: string } | undefined;
}

export interface TrackedSubscription {
  readonly subscription: Subscription;
  readonly identifier: string;
  readonly connected: { reconnected: boolean }[];
  readonly disconnected: { willAttemptReconnect: boolean }[];
  readonly received: Frame[];
  rejected: number;
}

/** The consumer whose URL function just ran: the socket constructed next is its own (Connection.open reads the URL, then constructs synchronously). */
let opening: CableClient | undefined;
const claimNextSocket = (client: CableClient): void => {
  opening = client;
};

class RecordingWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    const owner = opening;
    opening = undefined;
    owner?.adopt(this, url);
  }
}

let installed = false;
function install(): void {
  if (installed) return;
  installed = true;
  adapters.WebSocket = RecordingWebSocket;
  logger.enabled = Boolean(process.env['HERALD_TEST_LOG']);
  if (typeof globalThis.addEventListener !== 'function') {
    Object.assign(globalThis, { addEventListener: () => undefined, removeEventListener: () => undefined });
  }
}

export class CableClient {
  readonly consumer: Consumer;
  /** How many times the client asked for its URL: once per socket it (re)opened. */
  urlCalls = 0;
  readonly sockets: SocketRecord[] = [];
  readonly subscriptions: TrackedSubscription[] = [];

  /** `createConsumer(url)` with a URL function, so every (re)connect reads it again (a fresh token, another edge). */
  constructor(url: () => string) {
    install();
    this.consumer = createConsumer(() => {
      const u = url();
      this.urlCalls++;
      claimNextSocket(this);
      return u;
    });
  }

  /** @internal */
  adopt(ws: WebSocket, url: string): void {
    const record: SocketRecord = { url, ws, sent: [], received: [], close: undefined };
    this.sockets.push(record);
    ws.on('message', (data, isBinary) => {
      record.received.push(isBinary ? { binary: true } : (JSON.parse(data.toString()) as Frame));
    });
    ws.on('close', (code, reason) => {
      record.close = { code, reason: reason.toString() };
    });
    const send = ws.send.bind(ws);
    ws.send = ((data: string) => {
      record.sent.push(JSON.parse(data) as Frame);
      send(data);
    }) as typeof ws.send;
  }

  /** `consumer.subscriptions.create(params, callbacks)`, recording every callback. */
  subscribe(params: ChannelParams): TrackedSubscription {
    const partial = { connected: [], disconnected: [], received: [], rejected: 0 } as Omit<TrackedSubscription, 'subscription' | 'identifier'>;
    const tracked = partial as TrackedSubscription;
    const subscription = this.consumer.subscriptions.create(params, {
      connected: (data) => void tracked.connected.push(data),
      disconnected: (data) => void tracked.disconnected.push(data),
      received: (data) => void tracked.received.push(data as Frame),
      rejected: () => void tracked.rejected++,
    });
    Object.assign(tracked, { subscription, identifier: subscription.identifier });
    this.subscriptions.push(tracked);
    return tracked;
  }

  get current(): SocketRecord | undefined {
    return this.sockets[this.sockets.length - 1];
  }

  /** Every frame the server sent on every socket, in order. */
  get received(): Frame[] {
    return this.sockets.flatMap((s) => s.received);
  }

  /** Every command the client sent on every socket, optionally of one kind. */
  sent(command?: string, identifier?: string): Frame[] {
    return this.sockets.flatMap((s) => s.sent).filter((f) => (command === undefined || f['command'] === command) && (identifier === undefined || f['identifier'] === identifier));
  }

  /** Wait for a received `message` on a subscription matching `pred`. */
  waitReceived(sub: TrackedSubscription, pred: (m: Frame) => boolean, what: string, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(() => `${what}; ${sub.identifier} received ${JSON.stringify(sub.received.slice(-5))}`, () => sub.received.find(pred), timeoutMs);
  }

  /**
   * `consumer.disconnect()`, then wait for the socket to be closed. The client only closes an
   * OPEN socket (a CONNECTING one would open later, unwatched), so one still connecting is terminated.
   */
  async close(): Promise<void> {
    this.consumer.disconnect();
    const last = this.current;
    if (!last) return;
    if (last.ws.readyState === WebSocket.CONNECTING) last.ws.terminate();
    await waitFor('the client socket to close', () => last.ws.readyState === WebSocket.CLOSED, 5000);
  }
}
