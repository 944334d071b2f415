import type { Identity } from '@herald/auth';
import { identity } from './helpers.js';

/** One valid subscription per mapping, with the exact streams it must give. */
export interface NamedCase {
  readonly channel: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly streams: readonly string[];
  /** The normalized params; defaults to `params`. */
  readonly resolved?: Readonly<Record<string, string>>;
  readonly who?: Identity;
}

export const worker = identity({ userId: 'w-1', kind: 'worker' });

/** The orchestration scopes the Rails platform documents (reference 000/001), restated independently of the definitions. */
export const DOCUMENTED_ORCHESTRATION_TYPES = [
  'account',
  'agent',
  'monitoring',
  'system',
  'circuit_breaker',
  'ralph_loop',
  'worktree_session',
  'workflow',
  'workflow_run',
] as const;

export const namedCases: readonly NamedCase[] = [
  { channel: 'AiAgentExecutionChannel', params: { execution_id: 'e-1' }, streams: ['ai_agent_execution:e-1'] },
  { channel: 'AiConversationChannel', params: { conversation_id: 'c-1' }, streams: ['ai_conversation:c-1'] },
  ...DOCUMENTED_ORCHESTRATION_TYPES.map((type) => ({
    channel: 'AiOrchestrationChannel',
    params: { type, id: 'r-9' },
    streams: [`ai_orchestration:${type}:r-9`],
  })),
  { channel: 'AiStreamingChannel', params: { execution_id: 'e-1' }, streams: ['ai_streaming:execution:e-1'] },
  { channel: 'AiStreamingChannel', params: { conversation_id: 'c-1' }, streams: ['ai_streaming:conversation:c-1'] },
  { channel: 'AiWorkflowMonitoringChannel', params: { workflow_id: 'wf-1' }, streams: ['ai_workflow_monitoring:wf-1'] },
  {
    channel: 'AiWorkflowOrchestrationChannel',
    params: {},
    resolved: { account_id: 'acct-1' },
    streams: ['ai_workflow_orchestration:acct-1'],
  },
  { channel: 'AiWorkflowOrchestrationChannel', params: { account_id: 'acct-7' }, streams: ['ai_workflow_orchestration:acct-7'] },
  { channel: 'Inbox', params: {}, resolved: { user_id: 'u-1', account_id: 'acct-1' }, streams: ['inbox:user:u-1', 'inbox:account:acct-1'] },
  { channel: 'AnalyticsChannel', params: { account_id: 'acct-1' }, streams: ['analytics:account:acct-1'] },
  { channel: 'AnalyticsChannel', params: {}, streams: ['analytics:global'] },
  ...['run', 'contract', 'account', 'review_state'].map((type) => ({
    channel: 'CodeFactoryChannel',
    params: { type, id: 'x-1' },
    streams: [`code_factory:${type}:x-1`],
  })),
  { channel: 'CustomerChannel', params: { account_id: 'acct-1' }, streams: ['customer_updates_acct-1'] },
  { channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1' }, streams: ['devops_account_acct-1'] },
  {
    channel: 'DevopsPipelineChannel',
    params: { account_id: 'acct-1', pipeline_id: 'p-1' },
    streams: ['devops_pipeline_p-1'],
  },
  {
    channel: 'GitJobLogsChannel',
    params: { repository_id: 'repo-1', pipeline_id: 'p-1', job_id: 'j-1' },
    streams: ['git_job_logs:j-1'],
  },
  { channel: 'McpChannel', params: {}, resolved: { user_id: 'u-1' }, streams: ['mcp:u-1'] },
  { channel: 'MissionChannel', params: { type: 'mission', id: 'm-1' }, streams: ['mission:mission:m-1'] },
  { channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' }, streams: ['mission:account:acct-1'] },
  { channel: 'NotificationChannel', params: { account_id: 'acct-1' }, streams: ['notifications:acct-1'] },
  { channel: 'SubscriptionChannel', params: { account_id: 'acct-1' }, streams: ['subscription:acct-1'] },
  { channel: 'TeamChannelChannel', params: { channel_id: 'tc-1' }, streams: ['team_channel:tc-1'] },
  { channel: 'TeamExecutionChannel', params: { team_id: 'team-1' }, streams: ['team_execution:team-1'] },
  { channel: 'SupplyChainChannel', params: {}, resolved: { account_id: 'acct-1' }, streams: ['supply_chain:acct-1'] },
  { channel: 'TradingChannel', params: {}, resolved: { account_id: 'acct-1' }, streams: ['trading:acct-1'] },
  { channel: 'TradingTrainingChannel', params: { session_id: 'ts-1' }, streams: ['trading_training:ts-1'] },
  { channel: 'WorkerDataChannel', params: {}, resolved: { user_id: 'w-1' }, streams: ['worker_data:w-1'], who: worker },
  {
    channel: 'WorkerToolDispatchChannel',
    params: {},
    resolved: { user_id: 'w-1' },
    streams: ['worker_tool_dispatch:w-1'],
    who: worker,
  },
];

/** Channel ids: `<prefix>:<id>` → stream. */
export const channelIdCases: readonly { readonly channelId: string; readonly name: string; readonly stream: string }[] = [
  { channelId: 'agent:my-agent', name: 'agent', stream: 'agent:my-agent' },
  { channelId: 'swarm:sw-1', name: 'swarm', stream: 'swarm:sw-1' },
  { channelId: 'project:pr-1', name: 'project', stream: 'project:pr-1' },
  { channelId: 'org:acct-1', name: 'org', stream: 'org:acct-1' },
  { channelId: 'task:t-1', name: 'task', stream: 'task:t-1' },
];

/** Path streams: URL path → channel, params, stream. */
export const pathCases: readonly {
  readonly path: string;
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
  readonly stream: string;
}[] = [
  { path: '/ws/agents/a-1', name: '/ws/agents', params: { agent_id: 'a-1' }, stream: 'agents:a-1' },
  { path: '/ws/channels/tc-1', name: '/ws/channels', params: { channel_id: 'tc-1' }, stream: 'channels:tc-1' },
  { path: '/ws/sessions/s-1', name: '/ws/sessions', params: { session_id: 's-1' }, stream: 'sessions:s-1' },
  { path: '/ws/notifications/a-1', name: '/ws/notifications', params: { agent_id: 'a-1' }, stream: 'agent_notifications:a-1' },
  { path: '/ws/system', name: '/ws/system', params: {}, stream: 'system' },
];
