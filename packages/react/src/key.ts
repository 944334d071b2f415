import { subscriptionKey, type ChannelRef, type Params } from '@herald/client';

/** The subscription key, as @herald/client forms it: `channel::{"a":"1"}`, or the channel id itself. */
export function refKey(ref: ChannelRef): string {
  return subscriptionKey('channelId' in ref ? ref : { channel: ref.channel, params: ref.params ?? {} });
}

/**
 * The two call forms of the hooks: `(channel, params, ...rest)` or `(ref, ...rest)`.
 * In the ref form `null` means "not now" (e.g. the id is still loading): nothing is subscribed.
 */
export function splitArgs<R extends unknown[]>(args: readonly unknown[]): [ChannelRef | null, R] {
  const [first, ...rest] = args;
  if (typeof first !== 'string') return [(first ?? null) as ChannelRef | null, rest as R];
  const [params, ...more] = rest;
  return [{ channel: first, params: (params ?? {}) as Params }, more as R];
}
