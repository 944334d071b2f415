/**
 * The fixed set of resources the demo producers talk about. Ids are stable, so
 * a console can preselect them; runs and executions reuse a small pool of ids
 * (each cycle is a new "attempt" with an increasing `run_number`).
 */
export interface DemoAgent {
  readonly id: string;
  readonly name: string;
  readonly model: string;
}

export interface DemoWorkflowNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
}

export interface DemoWorkflow {
  readonly id: string;
  readonly name: string;
  readonly nodes: readonly DemoWorkflowNode[];
  /** Run ids used in turn for this workflow's runs. */
  readonly runs: readonly string[];
}

export interface DemoGitJob {
  readonly jobId: string;
  readonly name: string;
  readonly repositoryId: string;
  readonly pipelineId: string;
}

export interface DemoSubscription {
  readonly channel: string;
  readonly params: Record<string, string>;
}

export interface DemoOwned {
  readonly resourceType: string;
  readonly resourceId: string;
}

export interface DemoResources {
  readonly accountId: string;
  readonly agents: readonly DemoAgent[];
  /** Agent executions: `executions[i]` runs on `agents[i % agents.length]`. */
  readonly executions: readonly string[];
  readonly workflows: readonly DemoWorkflow[];
  readonly conversations: readonly string[];
  readonly gitJobs: readonly DemoGitJob[];
  readonly pipelines: readonly string[];
  readonly repositories: readonly string[];
  readonly missions: readonly string[];
  readonly teams: readonly string[];
  /** Every ownership record the demo writes (all to `accountId`). */
  readonly owned: readonly DemoOwned[];
  /** Subscriptions that show the demo's events, in the console's `defaults` shape. */
  readonly subscriptions: readonly DemoSubscription[];
}

const AGENTS: readonly DemoAgent[] = [
  { id: 'demo-agent-researcher', name: 'Researcher', model: 'claude-sonnet-4' },
  { id: 'demo-agent-coder', name: 'Coder', model: 'gpt-4.1' },
];

const WORKFLOWS: readonly DemoWorkflow[] = [
  {
    id: 'demo-wf-digest',
    name: 'Research digest',
    runs: ['demo-run-digest-1', 'demo-run-digest-2'],
    nodes: [
      { id: 'start_1', name: 'Start', type: 'start' },
      { id: 'http_1', name: 'Fetch sources', type: 'http_request' },
      { id: 'ai_agent_1', name: 'Summarize', type: 'ai_agent' },
      { id: 'condition_1', name: 'Quality gate', type: 'condition' },
      { id: 'end_1', name: 'End', type: 'end' },
    ],
  },
  {
    id: 'demo-wf-triage',
    name: 'Issue triage',
    runs: ['demo-run-triage-1', 'demo-run-triage-2'],
    nodes: [
      { id: 'start_1', name: 'Start', type: 'start' },
      { id: 'ai_agent_1', name: 'Classify issue', type: 'ai_agent' },
      { id: 'transform_1', name: 'Assign labels', type: 'transform' },
      { id: 'notification_1', name: 'Notify team', type: 'notification' },
      { id: 'end_1', name: 'End', type: 'end' },
    ],
  },
];

const REPOSITORY = 'demo-repo';
const PIPELINE = 'demo-pipeline-1';
const GIT_JOBS: readonly DemoGitJob[] = ['build', 'test', 'deploy'].map((name) => ({
  jobId: `demo-job-${name}`,
  name,
  repositoryId: REPOSITORY,
  pipelineId: PIPELINE,
}));

export function demoResources(accountId: string): DemoResources {
  const executions = ['demo-exec-1', 'demo-exec-2', 'demo-exec-3', 'demo-exec-4'];
  const conversations = ['demo-conv-1'];
  const missions = ['demo-mission-1', 'demo-mission-2'];
  const teams = ['demo-team-1'];
  const pipelines = [PIPELINE];
  const owned: DemoOwned[] = [
    ...AGENTS.map((a) => ({ resourceType: 'agent', resourceId: a.id })),
    ...executions.map((id) => ({ resourceType: 'ai_agent_execution', resourceId: id })),
    ...WORKFLOWS.map((w) => ({ resourceType: 'workflow', resourceId: w.id })),
    ...WORKFLOWS.flatMap((w) => w.runs.map((id) => ({ resourceType: 'workflow_run', resourceId: id }))),
    ...conversations.map((id) => ({ resourceType: 'ai_conversation', resourceId: id })),
    ...GIT_JOBS.map((j) => ({ resourceType: 'git_job', resourceId: j.jobId })),
    ...pipelines.map((id) => ({ resourceType: 'devops_pipeline', resourceId: id })),
    ...missions.map((id) => ({ resourceType: 'mission', resourceId: id })),
    ...teams.map((id) => ({ resourceType: 'agent_team', resourceId: id })),
  ];
  const firstWorkflow = WORKFLOWS[0]!;
  const firstJob = GIT_JOBS[0]!;
  const subscriptions: DemoSubscription[] = [
    { channel: 'AiOrchestrationChannel', params: { type: 'account', id: accountId } },
    { channel: 'AiOrchestrationChannel', params: { type: 'workflow', id: firstWorkflow.id } },
    { channel: 'AiOrchestrationChannel', params: { type: 'workflow_run', id: firstWorkflow.runs[0]! } },
    { channel: 'AiOrchestrationChannel', params: { type: 'agent', id: AGENTS[0]!.id } },
    { channel: 'AiAgentExecutionChannel', params: { execution_id: executions[0]! } },
    { channel: 'AiConversationChannel', params: { conversation_id: conversations[0]! } },
    { channel: 'AiStreamingChannel', params: { conversation_id: conversations[0]! } },
    { channel: 'GitJobLogsChannel', params: { repository_id: firstJob.repositoryId, pipeline_id: firstJob.pipelineId, job_id: firstJob.jobId } },
    { channel: 'DevopsPipelineChannel', params: { account_id: accountId } },
    { channel: 'DevopsPipelineChannel', params: { account_id: accountId, pipeline_id: PIPELINE } },
    { channel: 'MissionChannel', params: { type: 'account', id: accountId } },
    { channel: 'MissionChannel', params: { type: 'mission', id: missions[0]! } },
    { channel: 'NotificationChannel', params: { account_id: accountId } },
    { channel: 'TeamExecutionChannel', params: { team_id: teams[0]! } },
    { channel: 'agent', params: { id: AGENTS[0]!.id } },
  ];
  return {
    accountId,
    agents: AGENTS,
    executions,
    workflows: WORKFLOWS,
    conversations,
    gitJobs: GIT_JOBS,
    pipelines,
    repositories: [REPOSITORY],
    missions,
    teams,
    owned,
    subscriptions,
  };
}
