/** How perform() fails: `code` is the server's (`not_subscribed`, `unknown_action`, `invalid_data`, `no_handler`, `action_failed`, `rate_limited`) or the client's (`timeout`, `disconnected`, `closed`). */
export class HeraldError extends Error {
  override readonly name = 'HeraldError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
