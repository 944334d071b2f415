import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCatalog } from '@herald/channels';

const identity = (userId: string) => ({ userId, accountId: 'a1', permissions: [], kind: 'worker' as const, sessionId: undefined, apiTokenId: undefined, expiresAt: undefined, issuedAt: undefined, tokenHash: 'h' });

test('ids implied by the token may use characters clients may not send (auth0|123), but never separators', () => {
  const catalog = createCatalog();
  const ok = catalog.resolve({ channel: 'McpChannel' }, identity('auth0|123'));
  assert.equal(ok.ok && ok.streams[0], 'mcp:auth0|123');
  const client = catalog.resolve({ channel: 'McpChannel', params: { user_id: 'auth0|123' } }, identity('auth0|123'));
  assert.equal(client.ok, false, 'the same value typed by a client is checked strictly');
  assert.equal(catalog.resolve({ channel: 'McpChannel' }, identity('a:b')).ok, false);
  assert.equal(catalog.resolve({ channel: 'McpChannel' }, identity('a b')).ok, false);
});
