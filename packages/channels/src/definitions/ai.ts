import { rules } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/** AI channels of the Rails platform (ActionCable): executions, chat, orchestration, streaming, workflows. */

const ORCHESTRATION_TYPES = [
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

const CODE_FACTORY_TYPES = ['run', 'contract', 'account', 'review_state'] as const;

const MISSION_TYPES = ['mission', 'account'] as const;

export const aiChannels: readonly ChannelDef[] = [
  {
    name: 'AiAgentExecutionChannel',
    kind: 'named',
    description: 'Rails: progress of one agent execution (status changes, finished steps, token progress).',
    params: { fields: { execution_id: { required: true } } },
    streams: ['ai_agent_execution:{execution_id}'],
    rule: rules.owner('ai_agent_execution', 'execution_id'),
    history: true,
  },
  {
    name: 'AiConversationChannel',
    kind: 'named',
    description: 'Rails: one AI chat conversation (messages, streamed and finished AI replies, typing indicators).',
    params: { fields: { conversation_id: { required: true } } },
    streams: ['ai_conversation:{conversation_id}'],
    rule: rules.owner('ai_conversation', 'conversation_id'),
    history: true,
    actions: {
      send_message: {
        description: 'Post a user message; the backend stores it and queues the AI response.',
        data: { content: { type: 'string', required: true } },
        mode: 'request',
      },
      typing_indicator: {
        description: "Tell the conversation's other subscribers whether the user is typing.",
        data: { status: { type: 'string', required: true } },
        mode: 'broadcast',
        event: 'typing_indicator',
      },
    },
  },
  {
    name: 'AiOrchestrationChannel',
    kind: 'named',
    description:
      'Rails: unified orchestration events (agents, Ralph loops, worktree sessions, circuit breakers, monitoring, workflows and runs).',
    params: {
      fields: {
        type: { required: true, enum: ORCHESTRATION_TYPES },
        id: { required: true },
      },
    },
    streams: ['ai_orchestration:{type}:{id}'],
    rule: rules.switchOn('type', {
      account: rules.accountParam('id'),
      monitoring: rules.accountParam('id'),
      system: rules.permission('admin.access'),
      agent: rules.owner('agent', 'id'),
      circuit_breaker: rules.owner('circuit_breaker', 'id'),
      ralph_loop: rules.owner('ralph_loop', 'id'),
      worktree_session: rules.owner('worktree_session', 'id'),
      workflow: rules.owner('workflow', 'id'),
      workflow_run: rules.owner('workflow_run', 'id'),
    }),
    history: true,
  },
  {
    name: 'AiStreamingChannel',
    kind: 'named',
    description: 'Rails: token-by-token AI provider output for an execution or a conversation (live only, no history).',
    params: {
      fields: { execution_id: {}, conversation_id: {} },
      exactlyOneOf: [['execution_id', 'conversation_id']],
    },
    streams: ['ai_streaming:execution:{execution_id}', 'ai_streaming:conversation:{conversation_id}'],
    select: 'first',
    rule: rules.anyOf(
      rules.owner('ai_agent_execution', 'execution_id'),
      rules.owner('ai_conversation', 'conversation_id'),
    ),
    history: false,
  },
  {
    name: 'AiWorkflowMonitoringChannel',
    kind: 'named',
    description: 'Rails: monitoring and analytics updates for one AI workflow.',
    params: { fields: { workflow_id: { required: true } } },
    streams: ['ai_workflow_monitoring:{workflow_id}'],
    rule: rules.owner('workflow', 'workflow_id'),
    history: true,
  },
  {
    name: 'AiWorkflowOrchestrationChannel',
    kind: 'named',
    description: "Rails: workflow events for the subscriber's whole account (no params needed).",
    params: { fields: { account_id: { fromIdentity: 'accountId' } } },
    streams: ['ai_workflow_orchestration:{account_id}'],
    rule: rules.accountParam('account_id'),
    history: true,
  },
  {
    name: 'CodeFactoryChannel',
    kind: 'named',
    description: 'Rails: Code Factory runs, contracts and code review state changes.',
    params: {
      fields: {
        type: { required: true, enum: CODE_FACTORY_TYPES },
        id: { required: true },
      },
    },
    streams: ['code_factory:{type}:{id}'],
    rule: rules.switchOn('type', {
      account: rules.accountParam('id'),
      run: rules.owner('code_factory_run', 'id'),
      contract: rules.owner('code_factory_contract', 'id'),
      review_state: rules.owner('code_factory_review_state', 'id'),
    }),
    history: true,
  },
  {
    name: 'McpChannel',
    kind: 'named',
    description: "Rails: MCP protocol messages for the subscriber's own user (live only).",
    params: { fields: { user_id: { fromIdentity: 'userId' } } },
    streams: ['mcp:{user_id}'],
    rule: rules.userParam('user_id'),
    history: false,
  },
  {
    name: 'MissionChannel',
    kind: 'named',
    description: 'Rails: mission lifecycle (status and phase changes, approval gates, errors) per mission or account.',
    params: {
      fields: {
        type: { required: true, enum: MISSION_TYPES },
        id: { required: true },
      },
    },
    streams: ['mission:{type}:{id}'],
    rule: rules.switchOn('type', {
      account: rules.accountParam('id'),
      mission: rules.owner('mission', 'id'),
    }),
    history: true,
  },
  {
    name: 'TeamChannelChannel',
    kind: 'named',
    description: 'Rails: messages posted in an agent team channel.',
    params: { fields: { channel_id: { required: true } } },
    streams: ['team_channel:{channel_id}'],
    rule: rules.owner('team_channel', 'channel_id'),
    history: true,
  },
  {
    name: 'TeamExecutionChannel',
    kind: 'named',
    description: 'Rails: multi-agent team execution progress (started, progress, member done, completed, failed).',
    params: { fields: { team_id: { required: true } } },
    streams: ['team_execution:{team_id}'],
    rule: rules.owner('agent_team', 'team_id'),
    history: true,
  },
];
