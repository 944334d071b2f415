import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCatalog } from '@herald/channels';
import { identity } from './helpers.js';
import { channelIdCases, namedCases, pathCases } from './cases.js';

// Catalog.channelsForStream: the reverse of resolve (which channels, with which params, read a stream).

const catalog = createCatalog();
const user = identity();

for (const c of namedCases) {
  for (const stream of c.streams) {
    test(`reverse: ${stream} is read by ${c.channel}`, () => {
      const who = c.who ?? user;
      const readers = catalog.channelsForStream(stream, who);
      const mine = readers.filter((r) => r.def.name === c.channel);
      assert.ok(mine.length > 0, `${c.channel} not among ${readers.map((r) => r.def.name).join(', ')}`);
      // The params found subscribe to a channel that reads this very stream.
      for (const r of mine) {
        const again = catalog.resolve({ channel: r.def.name, params: r.params }, who);
        assert.ok(again.ok && again.streams.includes(stream), `${JSON.stringify(r.params)} does not resolve back to ${stream}`);
      }
    });
  }
}

test('reverse: channel ids and path streams', () => {
  for (const c of channelIdCases) {
    const readers = catalog.channelsForStream(c.stream, user).filter((r) => r.def.name === c.name);
    assert.deepEqual(readers.map((r) => r.params), [{ id: c.channelId.slice(c.name.length + 1) }], c.stream);
  }
  for (const c of pathCases) {
    const readers = catalog.channelsForStream(c.stream, user).filter((r) => r.def.name === c.name);
    assert.deepEqual(readers.map((r) => r.params), [c.params], c.stream);
  }
});

test('reverse: exact params for a plain template', () => {
  assert.deepEqual(
    catalog.channelsForStream('ai_conversation:42').map((r) => [r.def.name, r.params]),
    [['AiConversationChannel', { conversation_id: '42' }]],
  );
  assert.deepEqual(
    catalog.channelsForStream('ai_orchestration:workflow_run:r-9').map((r) => [r.def.name, r.params]),
    [['AiOrchestrationChannel', { type: 'workflow_run', id: 'r-9' }]],
  );
});

test('reverse: params implied by the identity are filled in (the Inbox account stream)', () => {
  const u = identity({ userId: 'u-7', accountId: 'acct-7' });
  const user = catalog.channelsForStream('inbox:user:u-7', u).find((r) => r.def.name === 'Inbox');
  assert.deepEqual(user?.params, { user_id: 'u-7', account_id: 'acct-7' });
  const account = catalog.channelsForStream('inbox:account:acct-7', u).find((r) => r.def.name === 'Inbox');
  assert.deepEqual(account?.params, { user_id: 'u-7', account_id: 'acct-7' });
  // Without an identity the user is a free param: a placeholder stands for it.
  assert.equal(catalog.channelsForStream('inbox:account:acct-7').find((r) => r.def.name === 'Inbox')?.params['account_id'], 'acct-7');
});

test('reverse: required params the stream does not name take the values the rule could allow', () => {
  const u = identity({ userId: 'u-7', accountId: 'acct-7' });
  // GitJobLogsChannel's repository and pipeline do not reach the stream or the rule: one placeholder reader.
  const logs = catalog.channelsForStream('git_job_logs:j-1', u).filter((r) => r.def.name === 'GitJobLogsChannel');
  assert.equal(logs.length, 1);
  assert.equal(logs[0]!.params['job_id'], 'j-1');
  // DevopsPipelineChannel's pipeline stream needs an account the rule compares with the identity's.
  const devops = catalog.channelsForStream('devops_pipeline_p-1', u).filter((r) => r.def.name === 'DevopsPipelineChannel');
  assert.deepEqual(devops.map((r) => r.params), [{ account_id: 'acct-7', pipeline_id: 'p-1' }]);
  // The account stream names the account itself.
  assert.deepEqual(catalog.channelsForStream('devops_account_acct-1', u).map((r) => [r.def.name, r.params]), [['DevopsPipelineChannel', { account_id: 'acct-1' }]]);
});

test('reverse: streams no channel produces give nothing', () => {
  for (const stream of [
    'nope:1',
    'ai_conversation:a:b', // an extra token
    'ai_conversation:a b', // a value resolve would refuse
    'ai_conversation:',
    'ai_orchestration:bogus_type:1', // not in the enum
    'ai_orchestration:account',
    '',
  ]) {
    assert.deepEqual(catalog.channelsForStream(stream, user), [], JSON.stringify(stream));
  }
});

test('reverse: regex characters in stream names are literal', () => {
  assert.deepEqual(catalog.channelsForStream('ai_conversationX42', user), []);
  assert.deepEqual(catalog.channelsForStream('.*', user), []);
});
