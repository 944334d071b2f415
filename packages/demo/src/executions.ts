import { elapsedMs, iso, pick, randInt, type DemoContext, type DemoTask } from './context.js';
import type { DemoAgent, DemoResources } from './resources.js';

const TASKS = [
  'Summarize the latest incident reports',
  'Draft release notes for v2.4',
  'Refactor the billing webhook handler',
  'Answer a customer question about SSO',
  'Review pull request #482',
];

interface Running {
  readonly id: string;
  readonly agent: DemoAgent;
  readonly task: string;
  readonly startedAt: string;
  readonly runNumber: number;
  /** Ticks left until it finishes. */
  ticksLeft: number;
}

/**
 * Agent executions: `agent.execution.started` then `completed` (or now and
 * then `failed`) to the execution, its agent, the agent's channel-id stream and
 * the account. Payloads are shaped like the REST execution resource.
 */
export function executionsTask(ctx: DemoContext, res: DemoResources): DemoTask {
  const running = new Map<string, Running>();
  let next = 0;
  let runNumber = 0;

  const streams = (r: Running) => [`ai_agent_execution:${r.id}`, `ai_orchestration:agent:${r.agent.id}`, `agent:${r.agent.id}`, `ai_orchestration:account:${ctx.accountId}`];

  const payload = (r: Running, status: string, end?: Date, extra: Record<string, unknown> = {}) => {
    const prompt = end ? randInt(ctx, 400, 3000) : 0;
    const completion = end ? randInt(ctx, 150, 1800) : 0;
    return {
      id: r.id,
      execution_id: r.id,
      agent_id: r.agent.id,
      agent_name: r.agent.name,
      account_id: ctx.accountId,
      run_number: r.runNumber,
      status,
      input_parameters: { task: r.task },
      output_data: null,
      error_message: null,
      provider: 'demo',
      model: r.agent.model,
      started_at: r.startedAt,
      completed_at: end ? iso(end) : null,
      duration_ms: end ? elapsedMs(r.startedAt, end) : null,
      tokens_used: prompt + completion,
      tokens: { prompt: prompt, completion, total: prompt + completion },
      cost_usd: Number(((prompt * 3 + completion * 15) / 1_000_000).toFixed(6)),
      created_at: r.startedAt,
      updated_at: iso(end ?? ctx.now()),
      ...extra,
    };
  };

  async function finish(r: Running): Promise<void> {
    running.delete(r.id);
    const end = ctx.now();
    const failed = ctx.random() < 0.12;
    const extra = failed
      ? { error_message: pick(ctx, ['Provider rate limit exceeded (429)', 'Tool call timed out after 30s', 'Context window exceeded']) }
      : { output_data: { summary: `Done: ${r.task.toLowerCase()}.` } };
    await ctx.publish({
      streams: streams(r),
      event: failed ? 'agent.execution.failed' : 'agent.execution.completed',
      resource_type: 'ai_agent_execution',
      resource_id: r.id,
      payload: payload(r, failed ? 'failed' : 'completed', end, extra),
      timestamp: iso(end),
    });
  }

  async function start(): Promise<void> {
    const count = res.executions.length;
    for (let i = 0; i < count; i++) {
      const idx = (next + i) % count;
      const id = res.executions[idx]!;
      if (running.has(id)) continue;
      next = idx + 1;
      const now = ctx.now();
      const r: Running = { id, agent: res.agents[idx % res.agents.length]!, task: pick(ctx, TASKS), startedAt: iso(now), runNumber: ++runNumber, ticksLeft: randInt(ctx, 2, 5) };
      running.set(id, r);
      await ctx.publish({ streams: streams(r), event: 'agent.execution.started', resource_type: 'ai_agent_execution', resource_id: id, payload: payload(r, 'running'), timestamp: r.startedAt });
      return;
    }
  }

  return {
    name: 'executions',
    every: 1,
    async tick() {
      for (const r of [...running.values()]) {
        if (--r.ticksLeft <= 0) await finish(r);
      }
      if (running.size < 2) await start();
    },
  };
}
