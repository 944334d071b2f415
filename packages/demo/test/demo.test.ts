import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoProducers } from '@herald/demo';
import type { PublishInput } from '@herald/producer';
import { RecordingProducer, waitFor } from './recording-producer.js';

const ACCOUNT = 'acct-demo';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Stream family → event names the demo must publish there. */
const FAMILIES: Record<string, readonly string[]> = {
  'ai_agent_execution:': ['agent.execution.started', 'agent.execution.completed'],
  'ai_orchestration:agent:': ['agent.execution.started'],
  'agent:': ['agent.execution.started'],
  [`ai_orchestration:account:${ACCOUNT}`]: ['agent.execution.started', 'workflow.run.created', 'workflow.run.status.changed', 'workflow.node.execution.updated', 'workflow.run.completed'],
  'ai_orchestration:workflow:': ['workflow.run.created', 'workflow.run.status.changed', 'workflow.node.execution.updated', 'workflow.run.completed'],
  'ai_orchestration:workflow_run:': ['workflow.run.created', 'workflow.run.status.changed', 'workflow.node.execution.updated', 'workflow.run.completed'],
  'git_job_logs:': ['log.chunk', 'log.complete'],
  'devops_pipeline_': ['pipeline.status_changed', 'pipeline.job.status_changed'],
  [`devops_account_${ACCOUNT}`]: ['pipeline.status_changed', 'pipeline.job.status_changed'],
  'ai_streaming:conversation:': ['ai_response_streaming', 'ai_response_complete'],
  'ai_conversation:': ['message_created', 'ai_response_complete'],
  'mission:mission:': ['status_changed', 'phase_changed', 'approval_required', 'approval_resolved'],
  [`mission:account:${ACCOUNT}`]: ['status_changed', 'phase_changed'],
  [`notifications:${ACCOUNT}`]: ['notification.created'],
  'team_execution:': ['execution_started', 'execution_progress', 'member_completed'],
};

const seen = (p: RecordingProducer, prefix: string, event: string) => p.published.some((e) => e.event === event && e.streams.some((s) => s.startsWith(prefix)));

test('records ownership of every demo resource for the account before publishing', async () => {
  const producer = new RecordingProducer();
  let ownersAtFirstPublish = -1;
  producer.failWhen = () => {
    if (ownersAtFirstPublish < 0) ownersAtFirstPublish = producer.owners.size;
    return false;
  };
  const demo = startDemoProducers(producer, { accountId: ACCOUNT, intervalMs: 5 });
  try {
    await waitFor(() => producer.published.length > 0, 5000, 'a first event');
    const r = demo.resources;
    const expected: [string, readonly string[]][] = [
      ['agent', r.agents.map((a) => a.id)],
      ['ai_agent_execution', r.executions],
      ['workflow', r.workflows.map((w) => w.id)],
      ['workflow_run', r.workflows.flatMap((w) => w.runs)],
      ['ai_conversation', r.conversations],
      ['git_job', r.gitJobs.map((j) => j.jobId)],
      ['devops_pipeline', r.pipelines],
      ['mission', r.missions],
      ['agent_team', r.teams],
    ];
    for (const [type, ids] of expected) {
      assert.ok(ids.length > 0, `demo uses some ${type}`);
      for (const id of ids) assert.equal(producer.owners.get(`${type}/${id}`), ACCOUNT, `${type}/${id} owned by the account`);
    }
    assert.equal(producer.owners.size, r.owned.length);
    assert.equal(ownersAtFirstPublish, r.owned.length, 'all ownership recorded before the first publish');
    assert.equal(r.accountId, ACCOUNT);
  } finally {
    await demo.stop();
  }
});

test('publishes the documented events on every stream family, with full envelopes', async () => {
  const producer = new RecordingProducer();
  const demo = startDemoProducers(producer, { accountId: ACCOUNT, intervalMs: 4 });
  try {
    await waitFor(() => Object.entries(FAMILIES).every(([prefix, events]) => events.every((e) => seen(producer, prefix, e))), 20_000, 'every event on every stream family');
  } finally {
    await demo.stop();
  }
  for (const p of producer.published) {
    assert.ok(p.streams.length >= 1 && p.streams.length <= 32, 'streams per publish');
    assert.match(p.event, /^[A-Za-z0-9_.:\-/]+$/);
    assert.ok(p.timestamp && ISO.test(p.timestamp), `ISO timestamp on ${p.event}`);
    assert.equal(typeof p.resource_type, 'string', `resource_type on ${p.event}`);
    assert.equal(typeof p.resource_id, 'string', `resource_id on ${p.event}`);
    assert.ok(p.payload !== null && typeof p.payload === 'object', `object payload on ${p.event}`);
    for (const s of p.streams) assert.doesNotMatch(s, /undefined|null|\s/, 'stream names are filled in');
  }

  const byEvent = (name: string) => producer.published.filter((p) => p.event === name);
  const started = byEvent('agent.execution.started')[0]!;
  const exec = started.payload as Record<string, unknown>;
  assert.equal(started.resource_type, 'ai_agent_execution');
  assert.equal(exec['id'], started.resource_id);
  assert.equal(exec['status'], 'running');
  assert.match(String(exec['started_at']), ISO);
  assert.deepEqual(started.streams, [`ai_agent_execution:${exec['id']}`, `ai_orchestration:agent:${exec['agent_id']}`, `agent:${exec['agent_id']}`, `ai_orchestration:account:${ACCOUNT}`]);
  const finished = [...byEvent('agent.execution.completed'), ...byEvent('agent.execution.failed')][0]!.payload as Record<string, unknown>;
  assert.equal(typeof finished['duration_ms'], 'number');
  assert.equal(typeof (finished['tokens'] as Record<string, unknown>)['total'], 'number');
  assert.match(String(finished['completed_at']), ISO);

  const status = byEvent('workflow.run.status.changed')[0]!;
  assert.equal(status.resource_type, 'workflow_run');
  const sp = status.payload as { workflow_run: Record<string, unknown>; workflow_stats: Record<string, unknown> };
  assert.equal(sp.workflow_run['id'], status.resource_id);
  assert.equal(typeof sp.workflow_stats['total_runs'], 'number');

  const completedNode = byEvent('workflow.node.execution.updated').find((p) => (p.payload as Record<string, unknown>)['status'] === 'completed')!;
  const node = completedNode.payload as Record<string, unknown>;
  for (const k of ['id', 'execution_id', 'status', 'node_name', 'node_type', 'started_at', 'completed_at', 'duration_ms']) assert.ok(k in node, `node update has ${k}`);
  assert.equal(completedNode.resource_type, 'node_execution');
  assert.equal(node['id'], completedNode.resource_id);
  assert.match(String(node['completed_at']), ISO);
  assert.equal(typeof node['duration_ms'], 'number');

  const chunks = byEvent('log.chunk');
  const chunk = chunks[0]!.payload as { job_id: string; sequence: number; lines: unknown[] };
  assert.equal(chunks[0]!.streams[0], `git_job_logs:${chunk.job_id}`);
  assert.equal(chunk.sequence, 1);
  assert.ok(chunk.lines.length > 0 && chunk.lines.every((l) => typeof l === 'string'));
  // Within one job run, sequences count up by one until log.complete.
  const firstJob = chunk.job_id;
  const seqs: number[] = [];
  for (const p of producer.published) {
    const pl = p.payload as { job_id?: string; sequence?: number };
    if (pl.job_id !== firstJob) continue;
    if (p.event === 'log.complete') break;
    if (p.event === 'log.chunk') seqs.push(pl.sequence!);
  }
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1));

  const mission = byEvent('status_changed')[0]!;
  assert.equal(mission.resource_type, 'mission');
  assert.deepEqual(mission.streams, [`mission:mission:${mission.resource_id}`, `mission:account:${ACCOUNT}`]);
});

test('node updates of one run reach the run, workflow and account levels', async () => {
  const producer = new RecordingProducer();
  const demo = startDemoProducers(producer, { accountId: ACCOUNT, intervalMs: 4 });
  const nodeUpdates = () => producer.published.filter((p) => p.event === 'workflow.node.execution.updated');
  try {
    await waitFor(() => producer.published.some((p) => p.event === 'workflow.run.completed'), 20_000, 'a completed run');
  } finally {
    await demo.stop();
  }
  const completed = producer.published.find((p) => p.event === 'workflow.run.completed')!;
  const run = (completed.payload as { workflow_run: { id: string; workflow_id: string; total_nodes: number; status: string } }).workflow_run;
  assert.equal(run.status, 'completed');
  const ofRun = nodeUpdates().filter((p) => (p.payload as { workflow_run_id: string }).workflow_run_id === run.id);
  assert.ok(ofRun.length >= run.total_nodes * 2, 'a running and a completed update per node');
  for (const p of ofRun) {
    assert.deepEqual([...p.streams].sort(), [`ai_orchestration:account:${ACCOUNT}`, `ai_orchestration:workflow:${run.workflow_id}`, `ai_orchestration:workflow_run:${run.id}`].sort());
  }
  const wf = demo.resources.workflows.find((w) => w.id === run.workflow_id)!;
  assert.ok(wf.runs.includes(run.id), 'run ids come from the owned pool');
});

test('stop() stops emission: nothing is published after it resolves', async () => {
  const producer = new RecordingProducer();
  const demo = startDemoProducers(producer, { accountId: ACCOUNT, intervalMs: 2 });
  await waitFor(() => producer.published.length >= 20, 5000, 'some events');
  await demo.stop();
  const count = producer.published.length;
  let attempts = 0;
  const original = producer.publish.bind(producer);
  producer.publish = async (input: PublishInput) => {
    attempts += 1;
    return original(input);
  };
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(producer.published.length, count, 'no event after stop');
  assert.equal(attempts, 0, 'no publish attempted after stop');
  await demo.stop(); // idempotent
});

test('a failing publish is logged and the demo keeps going', async () => {
  const producer = new RecordingProducer();
  let n = 0;
  producer.failWhen = () => ++n % 3 === 0;
  const logs: { msg: string; fields?: object }[] = [];
  const demo = startDemoProducers(producer, { accountId: ACCOUNT, intervalMs: 3, log: (msg, fields) => logs.push({ msg, ...(fields ? { fields } : {}) }) });
  try {
    await waitFor(() => logs.filter((l) => l.msg === 'demo publish failed').length >= 5 && producer.published.length >= 30, 10_000, 'failures and successes');
  } finally {
    await demo.stop();
  }
  const failure = logs.find((l) => l.msg === 'demo publish failed')!;
  assert.match(JSON.stringify(failure.fields), /bus unavailable/);
  assert.ok(logs.some((l) => l.msg === 'demo producers started'));
});
