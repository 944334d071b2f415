import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClaimsFirstAuthorizer, needsLookups, rules, type Authorizer, type AuthzRequest, type Rule } from '@herald/authz';
import { testIdentity } from '../../../test/support/identity.js';

const RULES: Record<string, Rule> = {
  Account: rules.accountParam('account_id'),
  Owned: rules.owner('mission', 'id'),
  Mixed: rules.switchOn('type', { account: rules.accountParam('id'), mission: rules.owner('mission', 'id') }),
};

test('rules that read ownership are told apart from claims-only rules', () => {
  assert.equal(needsLookups(RULES['Account']!), false);
  assert.equal(needsLookups(RULES['Owned']!), true);
  assert.equal(needsLookups(RULES['Mixed']!), true, 'any branch reading ownership sends the whole rule to the service');
  assert.equal(needsLookups(rules.anyOf(rules.permission('admin'), rules.allOf(rules.identityKind('worker')))), false);
});

test('claims-only channels are decided at the edge; ownership channels and unknown ones go to the service', async () => {
  const asked: string[] = [];
  const remote: Authorizer = { check: async (r: AuthzRequest) => (asked.push(r.channel), { allow: false, retryable: true, reason: 'authz_unavailable' }) };
  const authz = new ClaimsFirstAuthorizer((name) => RULES[name], remote);
  const who = testIdentity({ accountId: 'acct-1' });
  assert.equal((await authz.check({ identity: who, channel: 'Account', params: { account_id: 'acct-1' } })).allow, true);
  const other = await authz.check({ identity: who, channel: 'Account', params: { account_id: 'acct-2' } });
  assert.equal(other.allow, false);
  assert.equal(other.retryable, undefined, 'a local deny is a decision, not an outage');
  assert.equal((await authz.check({ identity: who, channel: 'Owned', params: { id: 'm1' } })).retryable, true);
  await authz.check({ identity: who, channel: 'Nope', params: {} });
  assert.deepEqual(asked, ['Owned', 'Nope']);
});
