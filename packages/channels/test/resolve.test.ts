import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCatalog, type SubscriptionRequest } from '@herald/channels';
import { expectFailure, expectOk, identity } from './helpers.js';
import { channelIdCases, DOCUMENTED_ORCHESTRATION_TYPES, namedCases, pathCases, worker } from './cases.js';

const catalog = createCatalog();
const user = identity();

// ---------------------------------------------------------------------------
// Valid mappings: every named channel, every channel id, every path.

for (const c of namedCases) {
  test(`${c.channel} ${JSON.stringify(c.params)} resolves to ${c.streams.join(', ')}`, () => {
    const who = c.who ?? user;
    const r = expectOk(catalog.resolve({ channel: c.channel, params: c.params }, who));
    assert.equal(r.def.name, c.channel);
    assert.deepEqual(r.streams, c.streams);
    const resolved = c.resolved ?? c.params;
    assert.deepEqual(r.params, resolved);
    const sorted = Object.keys(resolved).sort();
    assert.equal(r.key, `${c.channel}{${sorted.map((k) => `${JSON.stringify(k)}:${JSON.stringify(resolved[k])}`).join(',')}}`);

    // Same key and streams whatever the param order, and unknown params are dropped.
    const reversed = Object.fromEntries([['zz_unknown', 'ignored'], ...Object.entries(c.params).reverse()]);
    const again = expectOk(catalog.resolve({ channel: c.channel, params: reversed }, who));
    assert.equal(again.key, r.key);
    assert.deepEqual(again.streams, r.streams);
    assert.deepEqual(again.params, r.params);
    assert.equal(Object.hasOwn(again.params, 'zz_unknown'), false);
  });
}

test('every named channel of the catalog has a mapping case', () => {
  const covered = new Set(namedCases.map((c) => c.channel));
  const named = catalog.list().filter((d) => d.kind === 'named').map((d) => d.name);
  assert.equal(named.length, 23);
  assert.deepEqual(named.filter((n) => !covered.has(n)), []);
});

test('the subscription key is the channel name plus sorted params', () => {
  const a = expectOk(catalog.resolve({ channel: 'AiOrchestrationChannel', params: { type: 'workflow_run', id: 'r-9' } }, user));
  const b = expectOk(catalog.resolve({ channel: 'AiOrchestrationChannel', params: { id: 'r-9', type: 'workflow_run' } }, user));
  assert.equal(a.key, 'AiOrchestrationChannel{"id":"r-9","type":"workflow_run"}');
  assert.equal(b.key, a.key);
  const c = expectOk(catalog.resolve({ channel: 'AiOrchestrationChannel', params: { id: 'r-9', type: 'workflow' } }, user));
  assert.notEqual(c.key, a.key);
});

for (const c of channelIdCases) {
  test(`channel id ${c.channelId} resolves to ${c.stream}`, () => {
    const r = expectOk(catalog.resolve({ channelId: c.channelId }, user));
    assert.equal(r.def.name, c.name);
    assert.equal(r.def.kind, 'channelId');
    assert.deepEqual(r.streams, [c.stream]);
    assert.deepEqual(r.params, { id: c.channelId.slice(c.name.length + 1) });
    assert.equal(r.key, `${c.name}{"id":${JSON.stringify(r.params['id'])}}`);
  });
  test(`channel id ${c.name}: bad ids are invalid_params`, () => {
    for (const bad of [`${c.name}:`, `${c.name}:a:b`, `${c.name}:a b`, `${c.name}:${'x'.repeat(129)}`, `${c.name}:é`]) {
      expectFailure(catalog.resolve({ channelId: bad }, user), 'invalid_params');
    }
    expectOk(catalog.resolve({ channelId: `${c.name}:${'x'.repeat(128)}` }, user));
  });
}

test('unknown channel ids are unknown_channel', () => {
  for (const bad of ['nope:1', 'agent', 'Agent:1', 'agents:a-1', ':a-1', '', 'AiConversationChannel:1']) {
    expectFailure(catalog.resolve({ channelId: bad }, user), 'unknown_channel');
  }
  expectFailure(catalog.resolve({ channelId: 42 } as unknown as SubscriptionRequest, user), 'unknown_channel');
});

for (const c of pathCases) {
  test(`path ${c.path} resolves to ${c.stream}`, () => {
    const r = expectOk(catalog.resolvePath(c.path, user));
    assert.equal(r.def.name, c.name);
    assert.equal(r.def.kind, 'path');
    assert.deepEqual(r.params, c.params);
    assert.deepEqual(r.streams, [c.stream]);
  });
}

test('path segments are URL-decoded and then validated', () => {
  assert.deepEqual(expectOk(catalog.resolvePath('/ws/agents/a%2Db', user)).streams, ['agents:a-b']);
  assert.deepEqual(expectOk(catalog.resolvePath('/ws/sessions/42', user)).params, { session_id: '42' });
  expectFailure(catalog.resolvePath('/ws/agents/a%3Ab', user), 'invalid_params');
  expectFailure(catalog.resolvePath('/ws/channels/a%20b', user), 'invalid_params');
  expectFailure(catalog.resolvePath(`/ws/notifications/${'n'.repeat(129)}`, user), 'invalid_params');
});

test('unknown paths are unknown_channel', () => {
  for (const bad of [
    '/ws/agents',
    '/ws/agents/',
    '/ws/agents/a-1/extra',
    '/ws/system/x',
    '/ws/systems',
    '/ws/unknown/x',
    '/ws',
    '/api/ws',
    '/cable',
    'ws/agents/a-1',
    '',
  ]) {
    expectFailure(catalog.resolvePath(bad, user), 'unknown_channel');
  }
});

// ---------------------------------------------------------------------------
// Invalid params, checked for every named channel.

const BAD_VALUES: readonly [string, unknown][] = [
  ['a colon', 'a:b'],
  ['a space', 'a b'],
  ['129 characters', 'x'.repeat(129)],
  ['a slash', 'a/b'],
  ['an object', { id: 1 }],
  ['an array', ['e-1']],
  ['a boolean', true],
  ['a fraction', 1.5],
  ['an unsafe integer', 2 ** 53],
  ['NaN', Number.NaN],
];

for (const c of namedCases) {
  const def = catalog.get(c.channel)!;
  const given = Object.keys(c.params);
  const label = `${c.channel} ${JSON.stringify(c.params)}`;

  if (given.length > 0) {
    test(`${label}: malformed param values are invalid_params`, () => {
      for (const name of given) {
        for (const [what, value] of BAD_VALUES) {
          const r = catalog.resolve({ channel: c.channel, params: { ...c.params, [name]: value } }, c.who ?? user);
          const message = expectFailure(r, 'invalid_params');
          assert.match(message, new RegExp(name), `${name} as ${what}`);
        }
      }
    });
  }

  const required = Object.entries(def.params.fields).filter(([n, s]) => s.required && !s.fromIdentity && given.includes(n));
  if (required.length > 0) {
    test(`${label}: each missing required param is invalid_params`, () => {
      for (const [name] of required) {
        for (const missing of [undefined, null, '']) {
          const params: Record<string, unknown> = { ...c.params };
          if (missing === undefined) delete params[name];
          else params[name] = missing;
          const message = expectFailure(catalog.resolve({ channel: c.channel, params }, c.who ?? user), 'invalid_params');
          assert.match(message, new RegExp(name));
        }
      }
    });
  }

  const enums = Object.entries(def.params.fields).filter(([n, s]) => s.enum && given.includes(n));
  if (enums.length > 0) {
    test(`${label}: values outside the enum are invalid_params`, () => {
      for (const [name] of enums) {
        const value = c.params[name] as string;
        for (const bad of ['bogus', value.toUpperCase(), `${value}s`]) {
          expectFailure(catalog.resolve({ channel: c.channel, params: { ...c.params, [name]: bad } }, user), 'invalid_params');
        }
      }
    });
  }
}

test('enum values are exactly the ones the platforms document', () => {
  assert.deepEqual(catalog.get('AiOrchestrationChannel')?.params.fields['type']?.enum, DOCUMENTED_ORCHESTRATION_TYPES);
  assert.deepEqual(catalog.get('CodeFactoryChannel')?.params.fields['type']?.enum, ['run', 'contract', 'account', 'review_state']);
  assert.deepEqual(catalog.get('MissionChannel')?.params.fields['type']?.enum, ['mission', 'account']);
});

test('params that are not an object are invalid_params', () => {
  for (const params of ['e-1', 42, ['e-1'], true]) {
    expectFailure(catalog.resolve({ channel: 'AiAgentExecutionChannel', params }, user), 'invalid_params');
  }
  // No params at all: fine where nothing is required.
  assert.deepEqual(expectOk(catalog.resolve({ channel: 'McpChannel' }, user)).streams, ['mcp:u-1']);
  assert.deepEqual(expectOk(catalog.resolve({ channel: 'AnalyticsChannel', params: null }, user)).streams, ['analytics:global']);
  expectFailure(catalog.resolve({ channel: 'AiAgentExecutionChannel' }, user), 'invalid_params');
});

test('each required param of multi-param channels is checked on its own', () => {
  const full = { repository_id: 'repo-1', pipeline_id: 'p-1', job_id: 'j-1' };
  for (const name of Object.keys(full)) {
    const params: Record<string, string> = { ...full };
    delete params[name];
    const message = expectFailure(catalog.resolve({ channel: 'GitJobLogsChannel', params }, user), 'invalid_params');
    assert.match(message, new RegExp(`missing required param ${name}`));
  }
  expectFailure(catalog.resolve({ channel: 'DevopsPipelineChannel', params: { pipeline_id: 'p-1' } }, user), 'invalid_params');
  expectFailure(catalog.resolve({ channel: 'AiOrchestrationChannel', params: { type: 'agent' } }, user), 'invalid_params');
  expectFailure(catalog.resolve({ channel: 'AiOrchestrationChannel', params: { id: 'a-1' } }, user), 'invalid_params');
});

test('AiStreamingChannel needs exactly one of execution_id and conversation_id', () => {
  const both = catalog.resolve({ channel: 'AiStreamingChannel', params: { execution_id: 'e-1', conversation_id: 'c-1' } }, user);
  assert.match(expectFailure(both, 'invalid_params'), /exactly one of execution_id, conversation_id/);
  const neither = catalog.resolve({ channel: 'AiStreamingChannel', params: {} }, user);
  assert.match(expectFailure(neither, 'invalid_params'), /exactly one of/);
  const blank = catalog.resolve({ channel: 'AiStreamingChannel', params: { execution_id: '', conversation_id: null } }, user);
  expectFailure(blank, 'invalid_params');
  // An empty counterpart counts as absent.
  const one = catalog.resolve({ channel: 'AiStreamingChannel', params: { execution_id: '', conversation_id: 'c-1' } }, user);
  assert.deepEqual(expectOk(one).streams, ['ai_streaming:conversation:c-1']);
});

test('unknown channels are unknown_channel', () => {
  for (const channel of ['NopeChannel', 'aiConversationChannel', 'AiConversation', 'agent', '/ws/nope', '', 'ai_conversation']) {
    expectFailure(catalog.resolve({ channel, params: { conversation_id: 'c-1', id: 'x' } }, user), 'unknown_channel');
  }
  expectFailure(catalog.resolve({ channel: 7 } as unknown as SubscriptionRequest, user), 'unknown_channel');
  expectFailure(catalog.resolve({ channel: undefined } as unknown as SubscriptionRequest, user), 'unknown_channel');
});

test('a path channel resolves by name as it does by URL (the path dialect subscribes it that way)', () => {
  const byName = expectOk(catalog.resolve({ channel: '/ws/agents', params: { agent_id: 'a-1' } }, user));
  const byPath = expectOk(catalog.resolvePath('/ws/agents/a-1', user));
  assert.deepEqual(byName.streams, byPath.streams);
  assert.equal(byName.key, byPath.key);
});

test('integer params become strings', () => {
  const r = expectOk(catalog.resolve({ channel: 'AiConversationChannel', params: { conversation_id: 42 } }, user));
  assert.deepEqual(r.params, { conversation_id: '42' });
  assert.deepEqual(r.streams, ['ai_conversation:42']);
  const s = expectOk(catalog.resolve({ channel: 'AiConversationChannel', params: { conversation_id: '42' } }, user));
  assert.equal(r.key, s.key);

  const o = expectOk(catalog.resolve({ channel: 'AiOrchestrationChannel', params: { type: 'workflow_run', id: 9 } }, user));
  assert.deepEqual(o.streams, ['ai_orchestration:workflow_run:9']);
  const g = expectOk(catalog.resolve({ channel: 'GitJobLogsChannel', params: { repository_id: 1, pipeline_id: 2, job_id: 3 } }, user));
  assert.deepEqual(g.params, { repository_id: '1', pipeline_id: '2', job_id: '3' });
  assert.deepEqual(g.streams, ['git_job_logs:3']);
  const d = expectOk(catalog.resolve({ channel: 'DevopsPipelineChannel', params: { account_id: 5, pipeline_id: 0 } }, user));
  assert.deepEqual(d.streams, ['devops_pipeline_0']);
  const n = expectOk(catalog.resolve({ channel: 'AiAgentExecutionChannel', params: { execution_id: -3 } }, user));
  assert.deepEqual(n.streams, ['ai_agent_execution:-3']);
});

test('implied params are filled from the identity', () => {
  const other = identity({ userId: 'u-77', accountId: 'acct-77' });
  const cases: [string, string, string][] = [
    ['AiWorkflowOrchestrationChannel', 'account_id', 'ai_workflow_orchestration:acct-77'],
    ['SupplyChainChannel', 'account_id', 'supply_chain:acct-77'],
    ['TradingChannel', 'account_id', 'trading:acct-77'],
    ['McpChannel', 'user_id', 'mcp:u-77'],
    ['WorkerDataChannel', 'user_id', 'worker_data:u-77'],
    ['WorkerToolDispatchChannel', 'user_id', 'worker_tool_dispatch:u-77'],
  ];
  for (const [channel, param, stream] of cases) {
    const spec = catalog.get(channel)?.params.fields[param];
    assert.equal(spec?.required ?? false, false, `${channel}.${param} is not required from the client`);
    for (const params of [{}, { [param]: null }, { [param]: '' }]) {
      const r = expectOk(catalog.resolve({ channel, params }, other));
      assert.deepEqual(r.streams, [stream], `${channel} ${JSON.stringify(params)}`);
      assert.equal(r.params[param], stream.slice(stream.indexOf(':') + 1));
    }
    // An explicit value is kept as given (the rule decides whether it is allowed).
    const explicit = expectOk(catalog.resolve({ channel, params: { [param]: 'someone-else' } }, other));
    assert.equal(explicit.params[param], 'someone-else');
  }
});

test('an implied account param without an account on the identity is invalid_params', () => {
  const noAccount = identity({ accountId: undefined });
  for (const channel of ['AiWorkflowOrchestrationChannel', 'SupplyChainChannel', 'TradingChannel']) {
    expectFailure(catalog.resolve({ channel, params: {} }, noAccount), 'invalid_params');
  }
  // The worker channels resolve for any identity; the rule rejects non-workers.
  assert.deepEqual(expectOk(catalog.resolve({ channel: 'WorkerDataChannel' }, user)).streams, ['worker_data:u-1']);
  assert.deepEqual(expectOk(catalog.resolve({ channel: 'WorkerDataChannel' }, worker)).streams, ['worker_data:w-1']);
});

test('optional params pick the stream: analytics and devops pipelines', () => {
  const global = expectOk(catalog.resolve({ channel: 'AnalyticsChannel', params: { account_id: '' } }, user));
  assert.deepEqual(global.streams, ['analytics:global']);
  assert.deepEqual(global.params, {});
  const account = expectOk(catalog.resolve({ channel: 'AnalyticsChannel', params: { account_id: 'acct-3' } }, user));
  assert.deepEqual(account.streams, ['analytics:account:acct-3']);
  const pipelines = expectOk(catalog.resolve({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1', pipeline_id: null } }, user));
  assert.deepEqual(pipelines.streams, ['devops_account_acct-1']);
});
