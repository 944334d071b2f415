import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '@herald/auth';
import { LocalAuthorizer, MemoryOwnershipStore, type Decision } from '@herald/authz';
import { createCatalog, type SubscriptionRequest } from '@herald/channels';
import { expectOk, identity } from './helpers.js';

const catalog = createCatalog();
const owners = new MemoryOwnershipStore();
const authorizer = new LocalAuthorizer((name) => catalog.get(name)?.rule, owners);

const user = identity(); // u-1 of acct-1
const neighbour = identity({ userId: 'u-2', accountId: 'acct-2' });
const noAccount = identity({ accountId: undefined });
const admin = identity({ userId: 'admin-1', accountId: 'acct-9', permissions: ['admin.access'] });
const worker = identity({ userId: 'w-1', kind: 'worker' });
const service = identity({ userId: 'w-1', kind: 'service' });

/** Every resource type an owner rule of the catalog reads. acct-1 owns `<type>-own`, acct-2 owns `<type>-other`. */
const RESOURCE_TYPES = [
  'ai_agent_execution',
  'ai_conversation',
  'agent',
  'circuit_breaker',
  'ralph_loop',
  'worktree_session',
  'workflow',
  'workflow_run',
  'code_factory_run',
  'code_factory_contract',
  'code_factory_review_state',
  'devops_pipeline',
  'git_job',
  'mission',
  'team_channel',
  'agent_team',
  'trading_training_session',
  'swarm',
  'project',
  'task',
  'session',
];
for (const type of RESOURCE_TYPES) {
  await owners.setOwner(type, `${type}-own`, 'acct-1');
  await owners.setOwner(type, `${type}-other`, 'acct-2');
}

type Target = SubscriptionRequest | string;
const allowedChannels = new Set<string>();
const deniedChannels = new Set<string>();

async function decide(target: Target, who: Identity): Promise<Decision> {
  const r = expectOk(typeof target === 'string' ? catalog.resolvePath(target, who) : catalog.resolve(target, who));
  const decision = await authorizer.check({ identity: who, channel: r.def.name, params: r.params });
  (decision.allow ? allowedChannels : deniedChannels).add(r.def.name);
  return decision;
}

async function allowed(target: Target, who: Identity): Promise<void> {
  const d = await decide(target, who);
  assert.equal(d.allow, true, `expected ${JSON.stringify(target)} to be allowed for ${who.userId}: ${d.reason}`);
}

async function denied(target: Target, who: Identity, reason?: RegExp): Promise<void> {
  const d = await decide(target, who);
  assert.equal(d.allow, false, `expected ${JSON.stringify(target)} to be denied for ${who.userId}/${who.accountId}`);
  if (reason) assert.match(d.reason ?? '', reason);
}

// ---------------------------------------------------------------------------
// Owner rules: allowed for the owning account only.

interface OwnerCase {
  readonly label: string;
  readonly resourceType: string;
  /** `account`: the account of the identity asking, for channels that also take an account param. */
  readonly target: (id: string, account: string) => Target;
  /** Expected deny reason when it is not the owner rule's own ("… is not owned …"). */
  readonly notOwned?: RegExp;
}

const ownerCases: readonly OwnerCase[] = [
  { label: 'AiAgentExecutionChannel', resourceType: 'ai_agent_execution', target: (id) => ({ channel: 'AiAgentExecutionChannel', params: { execution_id: id } }) },
  { label: 'AiConversationChannel', resourceType: 'ai_conversation', target: (id) => ({ channel: 'AiConversationChannel', params: { conversation_id: id } }) },
  ...['agent', 'circuit_breaker', 'ralph_loop', 'worktree_session', 'workflow', 'workflow_run'].map((type) => ({
    label: `AiOrchestrationChannel type=${type}`,
    resourceType: type,
    target: (id: string): Target => ({ channel: 'AiOrchestrationChannel', params: { type, id } }),
  })),
  // anyOf reports the reason of its last alternative.
  {
    label: 'AiStreamingChannel execution_id',
    resourceType: 'ai_agent_execution',
    target: (id) => ({ channel: 'AiStreamingChannel', params: { execution_id: id } }),
    notOwned: /missing conversation_id/,
  },
  {
    label: 'AiStreamingChannel conversation_id',
    resourceType: 'ai_conversation',
    target: (id) => ({ channel: 'AiStreamingChannel', params: { conversation_id: id } }),
    notOwned: /ai_conversation .* is not owned/,
  },
  { label: 'AiWorkflowMonitoringChannel', resourceType: 'workflow', target: (id) => ({ channel: 'AiWorkflowMonitoringChannel', params: { workflow_id: id } }) },
  ...([['run', 'code_factory_run'], ['contract', 'code_factory_contract'], ['review_state', 'code_factory_review_state']] as const).map(
    ([type, resourceType]) => ({
      label: `CodeFactoryChannel type=${type}`,
      resourceType,
      target: (id: string): Target => ({ channel: 'CodeFactoryChannel', params: { type, id } }),
    }),
  ),
  {
    label: 'DevopsPipelineChannel pipeline_id',
    resourceType: 'devops_pipeline',
    target: (id, account) => ({ channel: 'DevopsPipelineChannel', params: { account_id: account, pipeline_id: id } }),
  },
  {
    label: 'GitJobLogsChannel',
    resourceType: 'git_job',
    target: (id) => ({ channel: 'GitJobLogsChannel', params: { repository_id: 'repo-1', pipeline_id: 'p-1', job_id: id } }),
  },
  { label: 'MissionChannel type=mission', resourceType: 'mission', target: (id) => ({ channel: 'MissionChannel', params: { type: 'mission', id } }) },
  { label: 'TeamChannelChannel', resourceType: 'team_channel', target: (id) => ({ channel: 'TeamChannelChannel', params: { channel_id: id } }) },
  { label: 'TeamExecutionChannel', resourceType: 'agent_team', target: (id) => ({ channel: 'TeamExecutionChannel', params: { team_id: id } }) },
  { label: 'TradingTrainingChannel', resourceType: 'trading_training_session', target: (id) => ({ channel: 'TradingTrainingChannel', params: { session_id: id } }) },
  ...['agent', 'swarm', 'project', 'task'].map((name) => ({
    label: `channel id ${name}:`,
    resourceType: name,
    target: (id: string): Target => ({ channelId: `${name}:${id}` }),
  })),
  { label: '/ws/agents', resourceType: 'agent', target: (id) => `/ws/agents/${id}` },
  { label: '/ws/channels', resourceType: 'team_channel', target: (id) => `/ws/channels/${id}` },
  { label: '/ws/sessions', resourceType: 'session', target: (id) => `/ws/sessions/${id}` },
  { label: '/ws/notifications', resourceType: 'agent', target: (id) => `/ws/notifications/${id}` },
];

for (const c of ownerCases) {
  const target = (id: string, who: Identity): Target => c.target(id, who.accountId ?? 'acct-1');
  const notOwned = c.notOwned ?? new RegExp(`${c.resourceType} .* is not owned by the identity's account`);

  test(`${c.label}: allowed when the account owns the ${c.resourceType}`, async () => {
    await allowed(target(`${c.resourceType}-own`, user), user);
    // Only the owning account counts, not the user or the permissions.
    const colleague = identity({ userId: 'u-other', accountId: 'acct-1' });
    await allowed(target(`${c.resourceType}-own`, colleague), colleague);
    await allowed(target(`${c.resourceType}-other`, neighbour), neighbour);
  });

  test(`${c.label}: denied for another account's, an unknown or a differently typed resource`, async () => {
    await denied(target(`${c.resourceType}-other`, user), user, notOwned);
    await denied(target(`${c.resourceType}-own`, neighbour), neighbour, notOwned);
    await denied(target(`${c.resourceType}-never-recorded`, user), user, notOwned);
    // The same id owned as some other type does not count.
    const otherType = c.resourceType === 'mission' ? 'task' : 'mission';
    await denied(target(`${otherType}-own`, user), user, notOwned);
    // Admins get no shortcut, and an identity without an account owns nothing.
    await denied(target(`${c.resourceType}-other`, admin), admin);
    await denied(target(`${c.resourceType}-own`, noAccount), noAccount);
  });
}

test('ownership changes take effect on the next check', async () => {
  const target: Target = { channel: 'AiConversationChannel', params: { conversation_id: 'moving-1' } };
  await denied(target, user);
  await owners.setOwner('ai_conversation', 'moving-1', 'acct-1');
  await allowed(target, user);
  await owners.setOwner('ai_conversation', 'moving-1', 'acct-2');
  await denied(target, user);
  await allowed(target, neighbour);
  await owners.deleteOwner('ai_conversation', 'moving-1');
  await denied(target, neighbour);
});

// ---------------------------------------------------------------------------
// Account-param rules: the param must be the identity's account.

const accountCases: readonly { readonly label: string; readonly target: (account: string) => Target; readonly noAccount?: RegExp }[] = [
  { label: 'AiOrchestrationChannel type=account', target: (a) => ({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: a } }) },
  { label: 'AiOrchestrationChannel type=monitoring', target: (a) => ({ channel: 'AiOrchestrationChannel', params: { type: 'monitoring', id: a } }) },
  { label: 'AiWorkflowOrchestrationChannel', target: (a) => ({ channel: 'AiWorkflowOrchestrationChannel', params: { account_id: a } }) },
  // any of (own account; admin.access): the last alternative gives the reason.
  { label: 'AnalyticsChannel account_id', target: (a) => ({ channel: 'AnalyticsChannel', params: { account_id: a } }), noAccount: /admin\.access/ },
  { label: 'CodeFactoryChannel type=account', target: (a) => ({ channel: 'CodeFactoryChannel', params: { type: 'account', id: a } }) },
  { label: 'DevopsPipelineChannel account_id', target: (a) => ({ channel: 'DevopsPipelineChannel', params: { account_id: a } }) },
  { label: 'MissionChannel type=account', target: (a) => ({ channel: 'MissionChannel', params: { type: 'account', id: a } }) },
  { label: 'NotificationChannel', target: (a) => ({ channel: 'NotificationChannel', params: { account_id: a } }) },
  { label: 'SubscriptionChannel', target: (a) => ({ channel: 'SubscriptionChannel', params: { account_id: a } }) },
  { label: 'SupplyChainChannel', target: (a) => ({ channel: 'SupplyChainChannel', params: { account_id: a } }) },
  { label: 'TradingChannel', target: (a) => ({ channel: 'TradingChannel', params: { account_id: a } }) },
  { label: 'channel id org:', target: (a) => ({ channelId: `org:${a}` }) },
];

for (const c of accountCases) {
  test(`${c.label}: allowed for the identity's own account`, async () => {
    await allowed(c.target('acct-1'), user);
    await allowed(c.target('acct-2'), neighbour);
  });
  test(`${c.label}: denied for another account or an identity without one`, async () => {
    const reason = c.noAccount ? c.noAccount : /does not match/;
    await denied(c.target('acct-2'), user, reason);
    await denied(c.target('acct-1'), neighbour, reason);
    await denied(c.target('acct-1'), noAccount, c.noAccount ?? /no accountId/);
  });
}

test('implied account params allow the own account only', async () => {
  for (const channel of ['AiWorkflowOrchestrationChannel', 'SupplyChainChannel', 'TradingChannel']) {
    await allowed({ channel, params: {} }, user);
    await allowed({ channel }, neighbour);
    await denied({ channel, params: { account_id: 'acct-2' } }, user, /does not match/);
  }
});

// ---------------------------------------------------------------------------
// Channel-specific rules.

test('AiOrchestrationChannel type=system needs admin.access', async () => {
  await allowed({ channel: 'AiOrchestrationChannel', params: { type: 'system', id: 'main' } }, admin);
  await denied({ channel: 'AiOrchestrationChannel', params: { type: 'system', id: 'main' } }, user, /admin\.access/);
  await denied({ channel: 'AiOrchestrationChannel', params: { type: 'system', id: 'acct-1' } }, user, /admin\.access/);
  // admin.access does not open other accounts' agents.
  await denied({ channel: 'AiOrchestrationChannel', params: { type: 'agent', id: 'agent-other' } }, admin);
});

test('AiStreamingChannel checks the resource it names, not the other kind', async () => {
  await allowed({ channel: 'AiStreamingChannel', params: { execution_id: 'ai_agent_execution-own' } }, user);
  await denied({ channel: 'AiStreamingChannel', params: { execution_id: 'ai_conversation-own' } }, user);
  await denied({ channel: 'AiStreamingChannel', params: { conversation_id: 'ai_agent_execution-own' } }, user);
});

test('AnalyticsChannel: global needs admin.access, admins may watch any account', async () => {
  await allowed({ channel: 'AnalyticsChannel', params: {} }, admin);
  await denied({ channel: 'AnalyticsChannel', params: {} }, user, /admin\.access/);
  await denied({ channel: 'AnalyticsChannel' }, noAccount, /admin\.access/);
  await allowed({ channel: 'AnalyticsChannel', params: { account_id: 'acct-2' } }, admin);
  await allowed({ channel: 'AnalyticsChannel', params: { account_id: 'acct-1' } }, user);
  await denied({ channel: 'AnalyticsChannel', params: { account_id: 'acct-2' } }, user);
});

test('CustomerChannel is for admins only', async () => {
  await allowed({ channel: 'CustomerChannel', params: { account_id: 'acct-1' } }, admin);
  await allowed({ channel: 'CustomerChannel', params: { account_id: 'acct-9' } }, admin);
  await denied({ channel: 'CustomerChannel', params: { account_id: 'acct-1' } }, user, /admin\.access/);
  await denied({ channel: 'CustomerChannel', params: { account_id: 'acct-1' } }, identity({ permissions: ['system.read'] }), /admin\.access/);
});

test('DevopsPipelineChannel needs the own account and, with a pipeline, its ownership', async () => {
  await allowed({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1' } }, user);
  await allowed({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1', pipeline_id: 'devops_pipeline-own' } }, user);
  // Own pipeline, but the account param names another account.
  await denied({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-2', pipeline_id: 'devops_pipeline-own' } }, user, /does not match/);
  // Own account param, someone else's pipeline.
  await denied({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1', pipeline_id: 'devops_pipeline-other' } }, user, /not owned/);
  await denied({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-2' } }, user, /does not match/);
});

test('GitJobLogsChannel decides by the job only', async () => {
  await allowed({ channel: 'GitJobLogsChannel', params: { repository_id: 'any', pipeline_id: 'thing', job_id: 'git_job-own' } }, user);
  await denied({ channel: 'GitJobLogsChannel', params: { repository_id: 'any', pipeline_id: 'thing', job_id: 'git_job-other' } }, user);
});

test('McpChannel is for the own user only', async () => {
  await allowed({ channel: 'McpChannel' }, user);
  await allowed({ channel: 'McpChannel', params: { user_id: 'u-1' } }, user);
  await allowed({ channel: 'McpChannel' }, noAccount);
  await denied({ channel: 'McpChannel', params: { user_id: 'u-2' } }, user, /does not match/);
  await denied({ channel: 'McpChannel', params: { user_id: 'u-1' } }, admin, /does not match/);
});

for (const channel of ['WorkerDataChannel', 'WorkerToolDispatchChannel']) {
  test(`${channel} is for worker identities, on their own user id`, async () => {
    await allowed({ channel }, worker);
    await allowed({ channel, params: { user_id: 'w-1' } }, worker);
    await denied({ channel }, user, /worker/);
    await denied({ channel }, service, /worker/);
    await denied({ channel, params: { user_id: 'w-1' } }, identity({ userId: 'w-1' }), /worker/);
    await denied({ channel, params: { user_id: 'w-2' } }, worker, /does not match/);
  });
}

test('/ws/system needs system.read', async () => {
  await allowed('/ws/system', identity({ permissions: ['system.read'] }));
  await allowed('/ws/system', identity({ accountId: undefined, kind: 'service', permissions: ['metrics', 'system.read'] }));
  await denied('/ws/system', user, /system\.read/);
  await denied('/ws/system', admin, /system\.read/);
});

test('Inbox: your own user and account only', async () => {
  await allowed({ channel: 'Inbox', params: {} }, user);
  await allowed({ channel: 'Inbox', params: {} }, identity({ accountId: undefined }));
  await denied({ channel: 'Inbox', params: { user_id: 'someone-else' } }, user, /does not match/);
  await denied({ channel: 'Inbox', params: { account_id: 'other-account' } }, user, /does not match/);
});

test('every channel of the catalog was both allowed and denied above', () => {
  const all = catalog.list().map((d) => d.name);
  assert.equal(all.length, 33);
  assert.deepEqual(all.filter((n) => !allowedChannels.has(n)), [], 'channels never allowed');
  assert.deepEqual(all.filter((n) => !deniedChannels.has(n)), [], 'channels never denied');
});
