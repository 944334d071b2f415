import { createContext, createElement, useCallback, useContext, useMemo, useSyncExternalStore, type ReactElement, type ReactNode } from 'react';
import type { HeraldClient, Status } from '@herald/client';

const HeraldContext = createContext<HeraldClient | null>(null);
HeraldContext.displayName = 'HeraldContext';

export interface HeraldProviderProps {
  /** The app's client, one per signed-in user: create it outside React (or in a ref) and disconnect() it on logout. */
  readonly client: HeraldClient;
  readonly children?: ReactNode;
}

/** Makes `client` available to the hooks below it. The provider never creates, connects or closes the client. */
export function HeraldProvider({ client, children }: HeraldProviderProps): ReactElement {
  return createElement(HeraldContext.Provider, { value: client }, children);
}

/** The client of the nearest `<HeraldProvider>`; throws outside one. */
export function useHeraldClient(): HeraldClient {
  const client = useContext(HeraldContext);
  if (!client) throw new Error('@herald/react: wrap the component in <HeraldProvider client={...}>');
  return client;
}

/** The connection status, re-rendering on every change. */
export function useHeraldStatus(): Status {
  const client = useHeraldClient();
  const subscribe = useCallback((onChange: () => void) => client.onStatus(() => onChange()), [client]);
  const getStatus = useCallback(() => client.status, [client]);
  return useSyncExternalStore(subscribe, getStatus, getStatus);
}

export interface HeraldApi {
  readonly client: HeraldClient;
  readonly status: Status;
  /** `status === 'open'`, as the reference frontend's `useWebSocket().isConnected`. */
  readonly isConnected: boolean;
  /** `client.subscribe`, bound: returns the unsubscribe function (prefer useChannel in components). */
  readonly subscribe: HeraldClient['subscribe'];
  /** `client.perform`, bound: resolves with the action's result, rejects with `{code, message}`. */
  readonly perform: HeraldClient['perform'];
}

/** The client, its status, and bound `subscribe`/`perform` (stable for one client). */
export function useHerald(): HeraldApi {
  const client = useHeraldClient();
  const status = useHeraldStatus();
  const bound = useMemo(
    () => ({
      subscribe: client.subscribe.bind(client) as HeraldClient['subscribe'],
      perform: client.perform.bind(client) as HeraldClient['perform'],
    }),
    [client],
  );
  return { client, status, isConnected: status === 'open', ...bound };
}
