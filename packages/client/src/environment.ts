import type { Environment } from './types.js';

interface BrowserGlobals {
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
  navigator?: { onLine?: boolean };
  document?: { visibilityState?: string; addEventListener?(type: string, l: () => void): void; removeEventListener?(type: string, l: () => void): void };
}

/** The page's `online`/`offline` events and its becoming visible; in Node (no window) nothing ever fires. */
export function browserEnvironment(): Environment {
  const g = globalThis as BrowserGlobals;
  return {
    isOnline: () => g.navigator?.onLine !== false,
    subscribe(listener) {
      if (typeof g.addEventListener !== 'function') return () => undefined;
      const online = (): void => listener('online');
      const offline = (): void => listener('offline');
      const visibility = (): void => {
        if (g.document?.visibilityState === 'visible') listener('visible');
      };
      g.addEventListener('online', online);
      g.addEventListener('offline', offline);
      g.document?.addEventListener?.('visibilitychange', visibility);
      return () => {
        g.removeEventListener?.('online', online);
        g.removeEventListener?.('offline', offline);
        g.document?.removeEventListener?.('visibilitychange', visibility);
      };
    },
  };
}
