import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, channelDefinitions, createCatalog, type ActionFieldType } from '@herald/channels';
import { expectOk, identity } from './helpers.js';
import { channelIdCases, namedCases, pathCases } from './cases.js';

const catalog = createCatalog();

test('createCatalog builds every definition without complaint', () => {
  assert.doesNotThrow(() => new Catalog(channelDefinitions));
  assert.equal(catalog.list().length, channelDefinitions.length);
  const byKind = (kind: string): string[] => catalog.list().filter((d) => d.kind === kind).map((d) => d.name);
  // 22 channels of the Rails platform, plus Herald's own Inbox.
  assert.equal(byKind('named').length, 23);
  assert.ok(byKind('named').includes('Inbox'));
  assert.deepEqual(byKind('channelId'), ['agent', 'swarm', 'project', 'org', 'task']);
  assert.deepEqual(byKind('path'), ['/ws/agents', '/ws/channels', '/ws/sessions', '/ws/notifications', '/ws/system']);
  assert.deepEqual(
    catalog.list().filter((d) => d.kind === 'path').map((d) => d.path),
    ['/ws/agents/{agent_id}', '/ws/channels/{channel_id}', '/ws/sessions/{session_id}', '/ws/notifications/{agent_id}', '/ws/system'],
  );
});

test('every definition has a one-line description naming its platform', () => {
  const platform = { named: 'Rails: ', channelId: 'Workers: ', path: 'FastAPI: ' } as const;
  for (const def of catalog.list()) {
    const prefix = def.name === 'Inbox' ? 'Herald: ' : platform[def.kind];
    assert.ok(def.description.startsWith(prefix), `${def.name}: ${def.description}`);
    assert.ok(def.description.length > prefix.length + 10, def.name);
    assert.ok(def.description.length <= 200, `${def.name}: description too long`);
    assert.doesNotMatch(def.description, /[\n|]/, def.name);
  }
});

test('only the token, MCP and worker data streams are live only', () => {
  const liveOnly = catalog.list().filter((d) => !d.history).map((d) => d.name);
  assert.deepEqual(liveOnly.sort(), ['AiStreamingChannel', 'McpChannel', 'WorkerDataChannel']);
  assert.equal(catalog.get('WorkerToolDispatchChannel')?.history, true);
});

test('streamInfo gives the expected history flag for sample streams', () => {
  const samples: [string, boolean, string][] = [
    ['ai_streaming:execution:e1', false, 'AiStreamingChannel'],
    ['ai_streaming:conversation:c1', false, 'AiStreamingChannel'],
    ['ai_conversation:1', true, 'AiConversationChannel'],
    ['ai_agent_execution:e1', true, 'AiAgentExecutionChannel'],
    ['ai_orchestration:workflow_run:r-9', true, 'AiOrchestrationChannel'],
    ['mcp:u1', false, 'McpChannel'],
    ['worker_data:u1', false, 'WorkerDataChannel'],
    ['worker_tool_dispatch:u1', true, 'WorkerToolDispatchChannel'],
    ['trading:acct-1', true, 'TradingChannel'],
    ['trading_training:ts-1', true, 'TradingTrainingChannel'],
    ['notifications:acct-1', true, 'NotificationChannel'],
    ['agent_notifications:a-1', true, '/ws/notifications'],
    ['customer_updates_acct-1', true, 'CustomerChannel'],
    ['devops_pipeline_p-1', true, 'DevopsPipelineChannel'],
    ['devops_account_acct-1', true, 'DevopsPipelineChannel'],
    ['analytics:global', true, 'AnalyticsChannel'],
    ['agent:a-1', true, 'agent'],
    ['agents:a-1', true, '/ws/agents'],
    ['system', true, '/ws/system'],
  ];
  for (const [stream, history, channel] of samples) {
    assert.deepEqual(catalog.streamInfo(stream), { history, channels: [channel] }, stream);
  }
  for (const stream of ['nope:1', 'ai_conversation:a:b', 'ai_streaming:e1', 'ai_streaming:other:e1', 'systems', 'mcp']) {
    assert.equal(catalog.streamInfo(stream), undefined, stream);
  }
});

test('every resolved stream belongs to exactly its own channel', () => {
  const user = identity();
  const seen: [string, string, boolean][] = [];
  for (const c of namedCases) {
    const r = expectOk(catalog.resolve({ channel: c.channel, params: c.params }, c.who ?? user));
    for (const s of r.streams) seen.push([s, r.def.name, r.def.history]);
  }
  for (const c of channelIdCases) {
    const r = expectOk(catalog.resolve({ channelId: c.channelId }, user));
    for (const s of r.streams) seen.push([s, r.def.name, r.def.history]);
  }
  for (const c of pathCases) {
    const r = expectOk(catalog.resolvePath(c.path, user));
    for (const s of r.streams) seen.push([s, r.def.name, r.def.history]);
  }
  assert.ok(seen.length >= 45);
  for (const [stream, channel, history] of seen) {
    assert.deepEqual(catalog.streamInfo(stream), { history, channels: [channel] }, stream);
  }
});

test('no template can be read as another channel\'s stream', () => {
  // Fill every placeholder with values that look like other templates' parts.
  const fillers = ['x1', 'execution', 'account', 'global', 'pipeline_x', 'data', 'training'];
  for (const def of catalog.list()) {
    for (const template of def.streams) {
      for (const filler of fillers) {
        const stream = template.replace(/\{[A-Za-z0-9_]+\}/g, filler);
        assert.deepEqual(catalog.streamInfo(stream)?.channels, [def.name], `${def.name}: ${stream}`);
      }
    }
  }
});

test('actions are exactly the declared ones, with valid data specs', () => {
  const TYPES: readonly ActionFieldType[] = ['string', 'number', 'boolean', 'object', 'array', 'any'];
  const withActions: string[] = [];
  for (const def of catalog.list()) {
    const actions = Object.entries(def.actions ?? {});
    if (actions.length > 0) withActions.push(def.name);
    for (const [name, spec] of actions) {
      assert.match(name, /^[a-z][a-z0-9_]*$/);
      assert.ok(spec.description.length > 0, `${def.name}.${name} has a description`);
      assert.ok(spec.mode === 'request' || spec.mode === 'broadcast', `${def.name}.${name} mode`);
      assert.ok(Object.keys(spec.data).length > 0, `${def.name}.${name} declares its data`);
      for (const [field, fieldSpec] of Object.entries(spec.data)) {
        assert.ok(TYPES.includes(fieldSpec.type), `${def.name}.${name}.${field}: ${fieldSpec.type}`);
      }
    }
  }
  assert.deepEqual(withActions, ['AiConversationChannel', 'WorkerDataChannel', 'WorkerToolDispatchChannel']);

  const conversation = catalog.get('AiConversationChannel')?.actions;
  assert.deepEqual(Object.keys(conversation ?? {}), ['send_message', 'typing_indicator']);
  assert.equal(conversation?.['send_message']?.mode, 'request');
  assert.deepEqual(conversation?.['send_message']?.data, { content: { type: 'string', required: true } });
  assert.equal(conversation?.['typing_indicator']?.mode, 'broadcast');
  assert.equal(conversation?.['typing_indicator']?.event, 'typing_indicator');
  assert.deepEqual(conversation?.['typing_indicator']?.data, { status: { type: 'string', required: true } });

  const push = catalog.get('WorkerDataChannel')?.actions?.['push'];
  assert.equal(push?.mode, 'request');
  assert.deepEqual(push?.data, { records: { type: 'array', required: true } });
  assert.deepEqual(Object.keys(catalog.get('WorkerDataChannel')?.actions ?? {}), ['push']);

  const toolResult = catalog.get('WorkerToolDispatchChannel')?.actions?.['tool_result'];
  assert.equal(toolResult?.mode, 'request');
  assert.deepEqual(toolResult?.data, { invocation_id: { type: 'string', required: true }, result: { type: 'any' } });
  assert.deepEqual(Object.keys(catalog.get('WorkerToolDispatchChannel')?.actions ?? {}), ['tool_result']);
});

test('on-subscribe greetings and snapshots are as the platforms expect', () => {
  const expected: Record<string, unknown> = {
    AnalyticsChannel: { greeting: { event: 'analytics_connection_established' } },
    NotificationChannel: { greeting: { event: 'connection_established' } },
    SubscriptionChannel: { snapshot: true },
  };
  for (const def of catalog.list()) {
    assert.deepEqual(def.onSubscribe, expected[def.name], def.name);
  }
});

test('select is "first" wherever a channel has several templates, except the two inboxes', () => {
  for (const def of catalog.list()) {
    if (def.streams.length > 1) assert.equal(def.select ?? 'first', def.name === 'Inbox' ? 'all' : 'first', def.name);
  }
  assert.deepEqual(catalog.get('AiStreamingChannel')?.params.exactlyOneOf, [['execution_id', 'conversation_id']]);
});

test('the only automatic channel is the Inbox, and a channel the identity cannot fill cannot be automatic', () => {
  assert.deepEqual(catalog.automatic().map((d) => d.name), ['Inbox']);
  const bad = { ...catalog.get('MissionChannel')!, name: 'X', automatic: true };
  assert.throws(() => new Catalog([bad]), /required param type is not implied by the identity/);
});

test('streamInfo answers repeated questions from memory, unknown streams included', () => {
  const c = createCatalog();
  const first = c.streamInfo('ai_conversation:c-1');
  assert.equal(c.streamInfo('ai_conversation:c-1'), first, 'the remembered answer');
  assert.equal(c.streamInfo('nope:1'), undefined);
  assert.equal(c.streamInfo('nope:1'), undefined);
  assert.deepEqual(first, { history: true, channels: ['AiConversationChannel'] });
});
