import { elapsedMs, iso, type DemoContext, type DemoTask } from './context.js';
import type { DemoResources, DemoWorkflow, DemoWorkflowNode } from './resources.js';

interface NodeRun {
  readonly node: DemoWorkflowNode;
  readonly id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  startedAt: string | null;
  completedAt: string | null;
}

interface Run {
  readonly id: string;
  readonly runNumber: number;
  readonly createdAt: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  startedAt: string | null;
  completedAt: string | null;
  nodes: NodeRun[];
  /** Index of the node currently running. */
  current: number;
}

interface Stats {
  total: number;
  completed: number;
  failed: number;
  durationSum: number;
  lastRunAt: string | null;
}

/**
 * Workflow runs, one at a time per workflow: `workflow.run.created`,
 * `workflow.run.status.changed` (pending → running → completed | failed),
 * one `workflow.node.execution.updated` per node transition, and
 * `workflow.run.completed`. Every event goes to the run, workflow and account
 * levels, like the platform's multi-level broadcast.
 */
export function workflowsTask(ctx: DemoContext, res: DemoResources): DemoTask {
  const state = res.workflows.map((wf, i) => ({
    wf,
    run: undefined as Run | undefined,
    attempts: 0,
    /** Ticks to wait before the next run; staggered so workflows interleave. */
    idle: i * 3,
    stats: { total: 0, completed: 0, failed: 0, durationSum: 0, lastRunAt: null } as Stats,
  }));
  let nodeExecutionSeq = 0;

  const streams = (wf: DemoWorkflow, run: Run) => [`ai_orchestration:workflow_run:${run.id}`, `ai_orchestration:workflow:${wf.id}`, `ai_orchestration:account:${ctx.accountId}`];

  const runJson = (wf: DemoWorkflow, run: Run, now: Date) => {
    const done = run.nodes.filter((n) => n.status === 'completed').length;
    const failed = run.nodes.filter((n) => n.status === 'failed').length;
    return {
      id: run.id,
      run_id: run.id,
      run_number: run.runNumber,
      workflow_id: wf.id,
      workflow_name: wf.name,
      account_id: ctx.accountId,
      status: run.status,
      trigger_type: 'schedule',
      total_nodes: run.nodes.length,
      completed_nodes: done,
      failed_nodes: failed,
      progress_percentage: Math.round((done / run.nodes.length) * 100),
      started_at: run.startedAt,
      completed_at: run.completedAt,
      duration_ms: run.startedAt ? elapsedMs(run.startedAt, run.completedAt ? new Date(run.completedAt) : now) : null,
      error_details: failed ? { node_id: run.nodes.find((n) => n.status === 'failed')?.node.id, message: 'Node execution failed' } : null,
      created_at: run.createdAt,
      updated_at: iso(now),
    };
  };

  const statsJson = (s: Stats, running: boolean) => ({
    total_runs: s.total,
    completed_runs: s.completed,
    failed_runs: s.failed,
    running_runs: running ? 1 : 0,
    success_rate: s.completed + s.failed === 0 ? null : Number((s.completed / (s.completed + s.failed)).toFixed(3)),
    average_duration_ms: s.completed + s.failed === 0 ? null : Math.round(s.durationSum / (s.completed + s.failed)),
    last_run_at: s.lastRunAt,
  });

  type St = (typeof state)[number];

  async function runEvent(st: St, run: Run, event: string, now: Date): Promise<void> {
    const active = run.status === 'pending' || run.status === 'running';
    await ctx.publish({
      streams: streams(st.wf, run),
      event,
      resource_type: 'workflow_run',
      resource_id: run.id,
      payload: { workflow_run: runJson(st.wf, run, now), workflow_stats: statsJson(st.stats, active) },
      timestamp: iso(now),
    });
  }

  async function nodeEvent(st: St, run: Run, n: NodeRun, now: Date): Promise<void> {
    await ctx.publish({
      streams: streams(st.wf, run),
      event: 'workflow.node.execution.updated',
      resource_type: 'node_execution',
      resource_id: n.id,
      payload: {
        id: n.id,
        execution_id: n.id,
        workflow_run_id: run.id,
        node_id: n.node.id,
        status: n.status,
        node_name: n.node.name,
        node_type: n.node.type,
        started_at: n.startedAt,
        completed_at: n.completedAt,
        duration_ms: n.startedAt && n.completedAt ? elapsedMs(n.startedAt, new Date(n.completedAt)) : null,
        error_message: n.status === 'failed' ? `${n.node.name} failed: upstream returned 502` : null,
      },
      timestamp: iso(now),
    });
  }

  async function setStatus(st: St, run: Run, status: Run['status'], now: Date): Promise<void> {
    run.status = status;
    if (status === 'running') run.startedAt = iso(now);
    if (status === 'completed' || status === 'failed') {
      run.completedAt = iso(now);
      st.stats[status] += 1;
      st.stats.durationSum += elapsedMs(run.startedAt ?? run.createdAt, now);
      st.stats.lastRunAt = run.completedAt;
    }
    await runEvent(st, run, 'workflow.run.status.changed', now);
  }

  async function startNode(st: St, run: Run, now: Date): Promise<void> {
    const n = run.nodes[run.current];
    if (!n) return;
    n.status = 'running';
    n.startedAt = iso(now);
    await nodeEvent(st, run, n, now);
  }

  async function step(st: St): Promise<void> {
    const now = ctx.now();
    const run = st.run;
    if (!run) {
      if (st.idle-- > 0) return;
      const id = st.wf.runs[st.attempts % st.wf.runs.length]!;
      st.attempts += 1;
      st.stats.total += 1;
      const fresh: Run = {
        id,
        runNumber: st.attempts,
        createdAt: iso(now),
        status: 'pending',
        startedAt: null,
        completedAt: null,
        current: 0,
        nodes: st.wf.nodes.map((node) => ({ node, id: `demo-node-exec-${++nodeExecutionSeq}`, status: 'pending', startedAt: null, completedAt: null })),
      };
      st.run = fresh;
      await runEvent(st, fresh, 'workflow.run.created', now);
      return;
    }
    if (run.status === 'pending') {
      await setStatus(st, run, 'running', now);
      await startNode(st, run, now);
      return;
    }
    const n = run.nodes[run.current];
    if (!n) return;
    // Middle nodes fail now and then; start and end nodes never do.
    const fails = run.current > 0 && run.current < run.nodes.length - 1 && ctx.random() < 0.06;
    n.status = fails ? 'failed' : 'completed';
    n.completedAt = iso(now);
    await nodeEvent(st, run, n, now);
    if (fails) {
      await setStatus(st, run, 'failed', now);
      return finishRun(st);
    }
    run.current += 1;
    if (run.current < run.nodes.length) return startNode(st, run, now);
    await setStatus(st, run, 'completed', now);
    await runEvent(st, run, 'workflow.run.completed', now);
    finishRun(st);
  }

  function finishRun(st: St): void {
    st.run = undefined;
    st.idle = 2;
  }

  return {
    name: 'workflows',
    every: 1,
    async tick() {
      for (const st of state) await step(st);
    },
  };
}
