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

/** Whether a client should reconnect after the given close code (the `reconnect` flag of `disconnect` frames). */
export function shouldReconnect(code: number): boolean {
  return code !== CloseCode.BadRequest && code !== CloseCode.Forbidden;
}
