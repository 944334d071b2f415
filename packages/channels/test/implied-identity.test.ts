import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCatalog } from '@herald/channels';
import { testIdentity } from '../../../test/support/identity.js';

const identity = (userId: string) => testIdentity({ userId, kind: 'worker' });

test('ids implied by the token may use characters clients may not send (auth0|123), but never separators', () => {
  const catalog = createCatalog();
  const ok = catalog.resolve({ channel: 'McpChannel' }, identity('auth0|123'));
  assert.equal(ok.ok && ok.streams[0], 'mcp:auth0|123');
  const client = catalog.resolve({ channel: 'McpChannel', params: { user_id: 'auth0|123' } }, identity('auth0|123'));
  assert.equal(client.ok, false, 'the same value typed by a client is checked strictly');
  assert.equal(catalog.resolve({ channel: 'McpChannel' }, identity('a:b')).ok, false);
  assert.equal(catalog.resolve({ channel: 'McpChannel' }, identity('a b')).ok, false);
});
