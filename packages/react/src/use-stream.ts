import { useState, useSyncExternalStore } from 'react';
import type { ChannelRef, EventEnvelope, EventMeta, Params } from '@herald/client';
import { refKey, splitArgs } from './key.js';
import { createStore } from './store.js';
import { useLatest, useSubscription, type ChannelState, type UseChannelOptions } from './use-channel.js';

export interface UseStreamOptions<P, S> extends UseChannelOptions {
  /**
   * Derive `data` from each event. `previous` is the last derived value (`initial` at first).
   * Returning `previous` (the same value) ignores the event: no re-render, `event`/`meta` stay as they were.
   * Without `select`, `data` is the event itself.
   */
  readonly select?: (event: EventEnvelope<P>, meta: EventMeta, previous: S | undefined) => S;
  /** `data` before the first event (e.g. what a REST call returned). */
  readonly initial?: S;
}

export interface StreamState<P, S> extends ChannelState {
  /** The latest event that changed `data` (every event without `select`). */
  readonly event: EventEnvelope<P> | undefined;
  readonly meta: EventMeta | undefined;
  readonly data: S | undefined;
}

interface Snapshot {
  readonly key: string | null;
  readonly event: EventEnvelope<unknown> | undefined;
  readonly meta: EventMeta | undefined;
  readonly data: unknown;
}

const EMPTY: Snapshot = { key: null, event: undefined, meta: undefined, data: undefined };

/**
 * The latest event of a subscription as React state: `useStream(channel, params, options?)` or
 * `useStream({channelId} | {channel, params} | null, options?)`. State starts over when channel or params change.
 */
export function useStream<P = unknown, S = EventEnvelope<P>>(channel: string, params: Params | undefined, options?: UseStreamOptions<P, S>): StreamState<P, S>;
export function useStream<P = unknown, S = EventEnvelope<P>>(ref: ChannelRef | null, options?: UseStreamOptions<P, S>): StreamState<P, S>;
export function useStream(...args: unknown[]): StreamState<unknown, unknown> {
  const [ref, [options = {}]] = splitArgs<[UseStreamOptions<unknown, unknown>?]>(args);
  const [store] = useState(() => createStore<Snapshot>(EMPTY));
  const latest = useLatest(options);
  const key = ref ? refKey(ref) : null;

  const state = useSubscription(
    ref,
    // `subscribed`: the key of the subscription that delivered (the render's `key` may already be the next one).
    (event, meta, subscribed) => {
      const { select, initial } = latest.current;
      const prev = store.get();
      const previous = prev.key === subscribed ? prev.data : initial;
      const data = select ? select(event, meta, previous) : event;
      if (select && Object.is(data, previous)) return;
      store.set({ key: subscribed, event, meta, data });
    },
    options,
  );

  const snap = useSyncExternalStore(store.subscribe, store.get, store.get);
  if (snap.key !== key || key === null) return { ...state, event: undefined, meta: undefined, data: options.initial };
  return { ...state, event: snap.event, meta: snap.meta, data: snap.data };
}
