/** WebSocket close codes Herald uses; see docs/protocol.md for what a client should do with each. */
export const CloseCode = {
  Normal: 1000,
  BadRequest: 4000,
  Unauthorized: 4001,
  Forbidden: 4003,
  LimitExceeded: 4008,
  TooSlow: 4009,
  Draining: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * How long a client should wait before reconnecting, for closes where the server can say: a
 * random spread for drains (other pods are ready; the spread avoids a herd) and a back-off for
 * limits. The `retryAfterMs` of `disconnect` frames; clients add their own jitter on top.
 */
export function retryHintMs(code: number, random: () => number = Math.random): number | undefined {
  if (code === CloseCode.Draining) return Math.floor(random() * 2000);
  if (code === CloseCode.LimitExceeded) return 1000 + Math.floor(random() * 4000);
  return undefined;
}

/** Whether a client should reconnect after the given close code (the `reconnect` flag of `disconnect` frames). */
export function shouldReconnect(code: number): boolean {
  return code !== CloseCode.BadRequest && code !== CloseCode.Forbidden;
}
