// Generated from the channel catalog by `node --import tsx scripts/gen-producer-types.ts --write`. Do not edit.

/** Params a producer gives to name the streams of each channel (identity-implied params included). */
export interface ChannelParams {
  AiAgentExecutionChannel: { execution_id: string };
  AiConversationChannel: { conversation_id: string };
  AiOrchestrationChannel: { type: 'account' | 'agent' | 'monitoring' | 'system' | 'circuit_breaker' | 'ralph_loop' | 'worktree_session' | 'workflow' | 'workflow_run'; id: string };
  AiStreamingChannel: { execution_id?: string; conversation_id?: string };
  AiWorkflowMonitoringChannel: { workflow_id: string };
  AiWorkflowOrchestrationChannel: { account_id?: string };
  CodeFactoryChannel: { type: 'run' | 'contract' | 'account' | 'review_state'; id: string };
  McpChannel: { user_id?: string };
  MissionChannel: { type: 'mission' | 'account'; id: string };
  TeamChannelChannel: { channel_id: string };
  TeamExecutionChannel: { team_id: string };
  DevopsPipelineChannel: { account_id: string; pipeline_id?: string };
  GitJobLogsChannel: { repository_id: string; pipeline_id: string; job_id: string };
  WorkerDataChannel: { user_id?: string };
  WorkerToolDispatchChannel: { user_id?: string };
  AnalyticsChannel: { account_id?: string };
  CustomerChannel: { account_id: string };
  NotificationChannel: { account_id: string };
  SubscriptionChannel: { account_id: string };
  SupplyChainChannel: { account_id?: string };
  TradingChannel: { account_id?: string };
  TradingTrainingChannel: { session_id: string };
  agent: { id: string };
  swarm: { id: string };
  project: { id: string };
  org: { id: string };
  task: { id: string };
  '/ws/agents': { agent_id: string };
  '/ws/channels': { channel_id: string };
  '/ws/sessions': { session_id: string };
  '/ws/notifications': { agent_id: string };
  '/ws/system': Record<string, never>;
  Inbox: { user_id: string; account_id?: string };
}

export type ChannelName = keyof ChannelParams;
