import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChannelRef, EventEnvelope, EventMeta, Params, Status, SubscriptionError } from '@herald/client';
import { useHeraldClient, useHeraldStatus } from './context.js';
import { refKey, splitArgs } from './key.js';

export type MessageHandler<P = unknown> = (event: EventEnvelope<P>, meta: EventMeta) => void;

export interface UseChannelOptions {
  /** `false`: do not subscribe (yet), e.g. while an id loads. Default `true`. */
  readonly enabled?: boolean;
  /** Every subscription error as it happens (the latest is also returned as `error`); e.g. refetch over REST on `reset`. */
  readonly onError?: (error: SubscriptionError) => void;
}

export interface ChannelState {
  /** The connection's status (shared by every subscription of the client). */
  readonly status: Status;
  /**
   * The latest `rejected`/`reset`/`unsubscribed` error of this subscription; `null` again when channel or
   * params change, and after a retryable rejection once an event shows the client's retry worked.
   */
  readonly error: SubscriptionError | null;
}

// Layout effects run before passive ones: the handler ref is current before any subscription effect (no SSR warning).
const useEarlyEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/** The latest value of `value`, readable from callbacks without re-subscribing when it changes. */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useEarlyEffect(() => {
    ref.current = value;
  });
  return ref;
}

/**
 * Subscribe while mounted: `useChannel(channel, params, onMessage, options?)` or
 * `useChannel({channelId} | {channel, params} | null, onMessage, options?)`.
 * Re-subscribes only when the channel or the params' stable JSON change; the newest `onMessage` is always used.
 */
export function useChannel<P = unknown>(channel: string, params: Params | undefined, onMessage: MessageHandler<P>, options?: UseChannelOptions): ChannelState;
export function useChannel<P = unknown>(ref: ChannelRef | null, onMessage: MessageHandler<P>, options?: UseChannelOptions): ChannelState;
export function useChannel(...args: unknown[]): ChannelState {
  const [ref, [onMessage, options = {}]] = splitArgs<[MessageHandler, UseChannelOptions?]>(args);
  return useSubscription(ref, onMessage, options);
}

/** useChannel after the call forms are sorted out (also the base of useStream). */
export function useSubscription(ref: ChannelRef | null, onMessage: (event: EventEnvelope, meta: EventMeta, key: string) => void, options: UseChannelOptions): ChannelState {
  const client = useHeraldClient();
  const status = useHeraldStatus();
  const enabled = ref !== null && options.enabled !== false;
  const key = ref && enabled ? refKey(ref) : null;
  // The ref object of the render that produced `key`: params identity may change every render, the key does not.
  const target = useMemo(() => ref, [key]);
  const handler = useLatest(onMessage);
  const onError = useLatest(options.onError);
  const [failure, setFailure] = useState<{ key: string; error: SubscriptionError } | null>(null);

  useEffect(() => {
    if (key === null || target === null) return;
    // `live` is per effect run: a cleaned-up run (unmount, new key, StrictMode's rehearsal) never delivers again.
    let live = true;
    // A retryable rejection is retried by the client; the first event after it means the retry worked.
    let retrying = false;
    const unsubscribe = client.subscribe({
      ...target,
      onMessage: (event, meta) => {
        if (!live) return;
        if (retrying) {
          retrying = false;
          setFailure((f) => (f?.key === key ? null : f));
        }
        handler.current(event, meta, key);
      },
      onError: (error) => {
        if (!live) return;
        retrying = error.type === 'rejected' && error.retryable;
        setFailure({ key, error });
        onError.current?.(error);
      },
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [client, key, target, handler, onError]);

  return { status, error: failure !== null && failure.key === key ? failure.error : null };
}
