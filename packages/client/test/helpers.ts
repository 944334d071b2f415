import { after, afterEach, before } from 'node:test';
import type { HeraldClient } from '@herald/client';
import { startTestEdge, type TestEdge } from '../../../test/support/edge.js';
import WebSocket from 'ws';
import type { Environment, WebSocketConstructor, WebSocketLike } from '@herald/client';
import { holdsFor, sleep, waitFor } from '../../../test/support/wait.js';

export { holdsFor, sleep, waitFor };

export type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SocketRecord {
  readonly url: string;
  readonly protocols: string[];
  readonly sent: Frame[];
  readonly received: Frame[];
  readonly ws: WebSocket;
  close: { code: number; reason: string } | undefined;
  /** Server frames are recorded but not handed to the client: the path looks dead to it although TCP is fine. */
  silenced: boolean;
}

/**
 * A `ws` WebSocket behind the interface the client uses, recording every socket (one per upgrade
 * attempt), every frame both ways and the close; `silence()` makes the current sockets go quiet.
 */
export class SocketRecorder {
  readonly sockets: SocketRecord[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class RecordingSocket implements WebSocketLike {
      readonly #record: SocketRecord;
      onopen: WebSocketLike['onopen'] = null;
      onmessage: WebSocketLike['onmessage'] = null;
      onclose: WebSocketLike['onclose'] = null;
      onerror: WebSocketLike['onerror'] = null;

      constructor(url: string, protocols?: string | string[]) {
        const list = typeof protocols === 'string' ? [protocols] : (protocols ?? []);
        const ws = new WebSocket(url, list);
        this.#record = { url, protocols: list, sent: [], received: [], ws, close: undefined, silenced: false };
        sockets.push(this.#record);
        ws.onopen = (e) => this.onopen?.(e);
        ws.onerror = (e) => this.onerror?.(e);
        ws.onclose = (e) => {
          this.#record.close = { code: e.code, reason: e.reason };
          this.onclose?.(e);
        };
        ws.onmessage = (e) => {
          this.#record.received.push(JSON.parse(String(e.data)) as Frame);
          if (!this.#record.silenced) this.onmessage?.(e);
        };
      }
      get readyState(): number {
        return this.#record.ws.readyState;
      }
      send(data: string): void {
        this.#record.sent.push(JSON.parse(data) as Frame);
        this.#record.ws.send(data);
      }
      close(code?: number, reason?: string): void {
        this.#record.ws.close(code, reason);
      }
      terminate(): void {
        this.#record.ws.terminate();
      }
    };
  }

  /** From now on nothing the server sends on the existing sockets reaches the client (later sockets are fine). */
  silence(): void {
    for (const s of this.sockets) s.silenced = true;
  }

  /** Frames the client sent on every socket, optionally of one type. */
  sent(type?: string): Frame[] {
    return this.sockets.flatMap((s) => s.sent).filter((f) => type === undefined || f['type'] === type);
  }

  get last(): SocketRecord {
    const s = this.sockets.at(-1);
    if (!s) throw new Error('no socket yet');
    return s;
  }
}

/** A network/visibility source the test drives: `set('offline')` etc. */
export class FakeEnvironment implements Environment {
  online = true;
  readonly #listeners = new Set<(signal: 'online' | 'offline' | 'visible') => void>();
  isOnline(): boolean {
    return this.online;
  }
  subscribe(listener: (signal: 'online' | 'offline' | 'visible') => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  emit(signal: 'online' | 'offline' | 'visible'): void {
    if (signal !== 'visible') this.online = signal === 'online';
    for (const l of [...this.#listeners]) l(signal);
  }
  get listeners(): number {
    return this.#listeners.size;
  }
}




/** Server-side subscription count, from the edge's own metrics. */
export async function serverSubscriptions(http: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const m = /^herald_subscriptions (\d+)$/m.exec(text);
  if (!m) throw new Error('herald_subscriptions missing from /metrics');
  return Number(m[1]);
}

/** Active timers of this process (what would keep it from exiting). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * A real embedded edge for one test file, and the clients its tests create: every test ends with
 * its clients disconnected and the edge holding no socket, whether it passed or not.
 */
export function useEdgeWithClients(): { readonly edge: TestEdge; readonly clients: HeraldClient[]; closedAll(): Promise<unknown> } {
  let edge: TestEdge | undefined;
  const clients: HeraldClient[] = [];
  const fixture = {
    get edge(): TestEdge {
      if (!edge) throw new Error('the edge starts in before()');
      return edge;
    },
    clients,
    closedAll: () => waitFor(() => `server connections ${fixture.edge.server.connectionCount}`, () => fixture.edge.server.connectionCount === 0, 5000),
  };
  before(async () => {
    edge = await startTestEdge();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await fixture.closedAll();
  });
  after(() => edge?.stop());
  return fixture;
}
