import type { Backoff } from './backoff.js';
import type { ServerFrame } from './wire.js';

/** What the server's `disconnect` frame said before it closed the socket. */
export interface Goodbye {
  readonly reconnect?: boolean;
  /** The server's reconnect hint (ms): a floor, with the client's own jitter on top. */
  readonly retryAfterMs?: number;
}

export type NextStep = { readonly stop: true; readonly why: string } | { readonly stop: false; readonly delayMs: number; readonly freshToken: boolean };

/** The server does not want this client back: protocol violation (4000), revoked or forbidden (4003). */
const FINAL_CODES = new Set([4000, 4003]);

export function readGoodbye(frame: ServerFrame): Goodbye {
  const retryAfterMs = frame['retryAfterMs'];
  return {
    ...(typeof frame['reconnect'] === 'boolean' ? { reconnect: frame['reconnect'] } : {}),
    ...(typeof retryAfterMs === 'number' && retryAfterMs >= 0 ? { retryAfterMs } : {}),
  };
}

/**
 * What a close means for the next attempt (docs/protocol.md, "Close codes"): 4000/4003 or
 * `reconnect:false` stop; 4001 reconnects at once with a fresh token; 4008 backs off from a wider
 * window unless the server gave a hint; 4009, 4010 and abnormal closes reconnect with jitter. Every
 * retry counts against `maxAttempts`.
 */
export function afterClose(code: number, goodbye: Goodbye | undefined, backoff: Backoff): NextStep {
  if (FINAL_CODES.has(code) || goodbye?.reconnect === false) return { stop: true, why: `closed with ${code}` };
  const hint = goodbye?.retryAfterMs;
  if (code === 4008 && hint === undefined) backoff.atLeast(3);
  // An expired token is not an outage: no waiting (unless expiry keeps closing fresh connections).
  const immediate = code === 4001 && hint === undefined && backoff.attempts === 0;
  const jitter = backoff.next();
  if (jitter === undefined) return { stop: true, why: 'maxAttempts reached' };
  return { stop: false, delayMs: (hint ?? 0) + (immediate ? 0 : jitter), freshToken: code === 4001 };
}
