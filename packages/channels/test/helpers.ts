import assert from 'node:assert/strict';
import type { Identity } from '@herald/auth';
import type { Resolved, ResolveResult } from '@herald/channels';
import { testIdentity } from '../../../test/support/identity.js';

/** A plain identity: user u-1 of account acct-1, no permissions, unless overridden. */
export function identity(over: Partial<Identity> = {}): Identity {
  return testIdentity({ userId: 'u-1', accountId: 'acct-1', ...over });
}

export function expectOk(result: ResolveResult): Resolved {
  if (!result.ok) assert.fail(`expected the request to resolve, got ${result.reason}: ${result.message}`);
  return result;
}

export function expectFailure(result: ResolveResult, reason: 'unknown_channel' | 'invalid_params'): string {
  if (result.ok) assert.fail(`expected ${reason}, but it resolved to ${result.streams.join(', ')}`);
  assert.equal(result.reason, reason, result.message);
  assert.ok(result.message.length > 0);
  return result.message;
}
