import type { Identity } from '@herald/auth';

/**
 * A complete Identity for tests: a user with no permissions, no session, no
 * expiry. The one place that lists every field, so a new field is added once.
 */
export function testIdentity(over: Partial<Identity> = {}): Identity {
  return {
    userId: 'u1',
    accountId: 'a1',
    permissions: [],
    kind: 'user',
    sessionId: undefined,
    apiTokenId: undefined,
    expiresAt: undefined,
    issuedAt: undefined,
    tokenHash: 'h',
    ...over,
  };
}
