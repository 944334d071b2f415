import type { WarmupAdmission } from '@herald/auth';
import { NATIVE_SUBPROTOCOL } from '@herald/protocol';
import WebSocket from 'ws';

/**
 * Warm-up before the edge listens: V8 compiles the connect path (upgrade, token check, session,
 * subscribe) during an edge's first few thousand connects, on the cores the clients need, and a
 * fresh edge then takes fewer connects per second than one that has been serving
 * (docs/benchmarks/cold-edge.md). So before it binds its public port, the edge opens that many sockets to
 * itself on a loopback-only port: the same server, the same code, the same object shapes, so
 * what V8 compiles then is what the first real clients run.
 *
 * The tokens are signed with a key the verifier accepts only during the warm-up
 * (`TokenVerifier.admitWarmup`), made at random and never leaving the process. The sockets are
 * WARMUP_USERS users of one account, and subscribe the channels the edge names (those a token
 * alone opens): a few hundred streams at most, in cluster mode NATS subjects released 5 s later.
 * They are counted nowhere: the edge resets its connection counters afterwards.
 */

/** Distinct users, hence inbox streams (bus subscriptions in cluster mode). */
const WARMUP_USERS = 50;
/** Sockets connecting at once. */
const CONCURRENCY = 50;
/** A step (a connect with its subscribe, or a close) that takes longer than this ends the warm-up. */
const STEP_TIMEOUT_MS = 5_000;

const WARMUP_ACCOUNT = 'herald-warmup';

export interface WarmupResult {
  /** Sockets that connected and subscribed. */
  readonly connects: number;
  readonly ms: number;
  /** Why the warm-up stopped early; undefined when it ran all of them. */
  readonly error?: string;
}

export interface WarmupPlan {
  /** The edge's native endpoint on its loopback-only warm-up port: `ws://127.0.0.1:<port>/ws`. */
  readonly url: string;
  readonly count: number;
  /** Socket i subscribes channels[i % length], so each channel's own path (params, rule, streams) is compiled too. */
  readonly channels: readonly string[];
  readonly admission: WarmupAdmission;
  /** Called after each round, once its sockets are closed: the edge waits for its close handlers and resets its counters. */
  settled(): Promise<void>;
}

/**
 * Runs `count` connects in two rounds. In each, the sockets connect CONCURRENCY at a time, are
 * held until the last has subscribed, and then all close, as a storm's clients do: V8 then sees a
 * connection's objects outlive young-generation collections, and allocates them in the old
 * generation from then on (allocation-site pretenuring), which short-lived sockets would teach it
 * the other way.
 *
 * Why two rounds: the first mass close, and the counter reset after it, break assumptions that
 * code compiled during the first round relies on (fields never written since their object was
 * made), and V8 throws that code away. The second round compiles it again on assumptions that
 * hold from then on (docs/benchmarks/cold-edge.md, "Warm-up before listening").
 *
 * Never throws: a warm-up that fails says why in `error`, and the edge starts anyway, only colder.
 */
export async function runWarmup(plan: WarmupPlan): Promise<WarmupResult> {
  const began = performance.now();
  const frames = plan.channels.map((channel) => JSON.stringify({ type: 'subscribe', channel, params: {}, id: 1 }));
  let connects = 0;
  let error: string | undefined;
  try {
    const tokens = await Promise.all(Array.from({ length: Math.min(WARMUP_USERS, plan.count) }, (_, i) => plan.admission.sign(`herald-warmup-${i}`, WARMUP_ACCOUNT)));
    const firstRound = Math.ceil(plan.count / 2);
    for (const [from, to] of [[0, firstRound], [firstRound, plan.count]] as const) {
      if (error !== undefined || from === to) break;
      const open: WebSocket[] = [];
      let next = from;
      const worker = async (): Promise<void> => {
        while (next < to && error === undefined) {
          const i = next++;
          open.push(await connectOnce(plan.url, tokens[i % tokens.length]!, frames[i % frames.length]!, i % 2 === 0));
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, to - from) }, () => worker().catch((err: Error) => void (error ??= err.message))));
      await Promise.all(open.map(closeOnce));
      connects += open.length;
      await plan.settled();
    }
  } catch (err) {
    error ??= (err as Error).message;
  }
  return { connects, ms: Math.round(performance.now() - began), ...(error !== undefined ? { error } : {}) };
}

/**
 * One client: connect (the token in a `bearer.` subprotocol as the browser SDK sends it, or in the
 * query), take the welcome, subscribe.
 */
function connectOnce(base: string, token: string, subscribe: string, asSubprotocol: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = asSubprotocol
      ? new WebSocket(`${base}?inbox=manual`, [NATIVE_SUBPROTOCOL, `bearer.${token}`], { perMessageDeflate: false })
      : new WebSocket(`${base}?inbox=manual&token=${token}`, { perMessageDeflate: false });
    const fail = (why: string): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no answer within ${STEP_TIMEOUT_MS} ms`), STEP_TIMEOUT_MS);
    socket.on('unexpected-response', (_req, res) => fail(`upgrade refused with HTTP ${res.statusCode}`));
    socket.on('error', (err) => fail(err.message));
    socket.on('close', (code) => fail(`closed with ${code} before it subscribed`));
    socket.on('message', (data) => {
      const frame = String(data);
      if (frame.startsWith('{"type":"welcome"')) return socket.send(subscribe);
      // Refused is an answer too (a rule wanting a permission the warm-up identity lacks): that path is compiled as well.
      if (!frame.startsWith('{"type":"subscribed"') && !frame.startsWith('{"type":"rejected"')) return fail(`unexpected frame ${frame.slice(0, 200)}`);
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // closeOnce ends it either way
      resolve(socket);
    });
  });
}

/** Closes a warm-up socket and waits for the edge's answer (or gives up after STEP_TIMEOUT_MS). */
function closeOnce(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, STEP_TIMEOUT_MS);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000);
  });
}
