import type { Identity } from '@herald/auth';
import { testIdentity } from '../../../test/support/identity.js';
import { waitFor as waitUntil } from '../../../test/support/wait.js';

/** A complete Identity; tests override what they care about. */
export function identity(overrides: Partial<Identity> = {}): Identity {
  return testIdentity({ sessionId: 's1', apiTokenId: 't1', expiresAt: Date.now() + 3600_000, issuedAt: 1_000, tokenHash: 'h1', ...overrides });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `fn` until it returns true, or fail after `timeoutMs` (the shared poller, in this package's argument order). */
export const waitFor = (fn: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<unknown> => waitUntil(what, fn, timeoutMs);
