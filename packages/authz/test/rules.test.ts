import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testIdentity } from '../../../test/support/identity.js';
import { evaluateRule, LocalAuthorizer, MemoryOwnershipStore, rules, type Rule } from '@herald/authz';

const id = testIdentity;

async function check(rule: Rule, params: Record<string, string>, identity = id(), owners = new MemoryOwnershipStore()) {
  return evaluateRule(rule, { identity, params, owners });
}

test('authenticated allows; deny denies with its reason', async () => {
  assert.equal((await check(rules.authenticated(), {})).allow, true);
  assert.deepEqual(await check(rules.deny('closed'), {}), { allow: false, reason: 'closed' });
});

test('permission and identity kind', async () => {
  assert.equal((await check(rules.permission('admin.access'), {})).allow, false);
  assert.equal((await check(rules.permission('admin.access'), {}, id({ permissions: ['admin.access'] }))).allow, true);
  assert.equal((await check(rules.identityKind('worker'), {})).allow, false);
  assert.equal((await check(rules.identityKind('worker'), {}, id({ kind: 'worker' }))).allow, true);
});

test('account and user params must match the identity; an identity without an account is denied', async () => {
  assert.equal((await check(rules.accountParam('account_id'), { account_id: 'a1' })).allow, true);
  assert.equal((await check(rules.accountParam('account_id'), { account_id: 'a2' })).allow, false);
  assert.equal((await check(rules.accountParam('account_id'), {})).allow, false);
  assert.equal((await check(rules.accountParam('account_id'), { account_id: 'a1' }, id({ accountId: undefined }))).allow, false);
  assert.equal((await check(rules.userParam('user_id'), { user_id: 'u1' })).allow, true);
});

test('owner: the resource must be recorded as owned by the identity’s account', async () => {
  const owners = new MemoryOwnershipStore();
  await owners.setOwner('ai_conversation', '42', 'a1');
  await owners.setOwner('ai_conversation', '43', 'a2');
  const rule = rules.owner('ai_conversation', 'conversation_id');
  assert.equal((await check(rule, { conversation_id: '42' }, id(), owners)).allow, true);
  const other = await check(rule, { conversation_id: '43' }, id(), owners);
  assert.equal(other.allow, false);
  assert.match(!other.allow ? other.reason : '', /not owned/);
  assert.equal((await check(rule, { conversation_id: 'unknown' }, id(), owners)).allow, false);
  assert.equal((await check(rule, {}, id(), owners)).allow, false);
  await owners.deleteOwner('ai_conversation', '42');
  assert.equal((await check(rule, { conversation_id: '42' }, id(), owners)).allow, false);
});

test('anyOf needs one, allOf needs all (and an empty allOf denies)', async () => {
  const admin = rules.permission('admin.access');
  const acct = rules.accountParam('account_id');
  assert.equal((await check(rules.anyOf(admin, acct), { account_id: 'a1' })).allow, true);
  assert.equal((await check(rules.anyOf(admin, acct), { account_id: 'a2' })).allow, false);
  assert.equal((await check(rules.allOf(admin, acct), { account_id: 'a1' })).allow, false);
  assert.equal((await check(rules.allOf(admin, acct), { account_id: 'a1' }, id({ permissions: ['admin.access'] }))).allow, true);
  assert.equal((await check(rules.allOf(), {})).allow, false);
  assert.equal((await check(rules.anyOf(), {})).allow, false);
});

test('switch picks by param value, with absent and otherwise branches, default deny', async () => {
  const rule = rules.switchOn('type', { account: rules.accountParam('id') }, { absent: rules.authenticated() });
  assert.equal((await check(rule, { type: 'account', id: 'a1' })).allow, true);
  assert.equal((await check(rule, { type: 'account', id: 'a2' })).allow, false);
  assert.equal((await check(rule, {})).allow, true);
  assert.equal((await check(rule, { type: 'planet' })).allow, false);
  assert.equal((await check(rule, { type: 'constructor' })).allow, false, 'no prototype lookups');
  const withOtherwise = rules.switchOn('type', {}, { otherwise: rules.authenticated() });
  assert.equal((await check(withOtherwise, { type: 'x' })).allow, true);
});

test('LocalAuthorizer: unknown channels are denied; decisions carry a TTL', async () => {
  const owners = new MemoryOwnershipStore();
  const authz = new LocalAuthorizer((name) => (name === 'Open' ? rules.authenticated() : undefined), owners, 5000);
  assert.deepEqual(await authz.check({ identity: id(), channel: 'Open', params: {} }), { allow: true, ttlMs: 5000 });
  const unknown = await authz.check({ identity: id(), channel: 'Nope', params: {} });
  assert.equal(unknown.allow, false);
});

test('MemoryOwnershipStore notifies changes once', async () => {
  const owners = new MemoryOwnershipStore();
  const seen: unknown[] = [];
  owners.onChange((c) => seen.push(c));
  await owners.setOwner('t', '1', 'a');
  await owners.setOwner('t', '1', 'a');
  await owners.setOwner('t', '1', 'b');
  await owners.deleteOwner('t', '1');
  await owners.deleteOwner('t', '1');
  assert.deepEqual(seen, [
    { resourceType: 't', resourceId: '1', accountId: 'a' },
    { resourceType: 't', resourceId: '1', accountId: 'b' },
    { resourceType: 't', resourceId: '1', accountId: undefined },
  ]);
});
