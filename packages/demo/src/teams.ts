import { elapsedMs, iso, randInt, type DemoContext, type DemoTask } from './context.js';
import type { DemoResources } from './resources.js';

const MEMBERS = [
  { agent_id: 'demo-agent-researcher', role: 'researcher' },
  { agent_id: 'demo-agent-coder', role: 'implementer' },
  { agent_id: 'demo-agent-reviewer', role: 'reviewer' },
];

/**
 * Multi-agent team executions on `team_execution:{team_id}`:
 * `execution_started`, `execution_progress`, `member_completed` per member,
 * then `execution_completed` (or, rarely, `execution_failed`).
 */
export function teamsTask(ctx: DemoContext, res: DemoResources): DemoTask {
  const teamId = res.teams[0]!;
  let tick = 0;
  let seq = 0;
  let run: { id: string; startedAt: string; done: number; tokens: number } | undefined;
  let idle = 0;

  const publish = (event: string, payload: Record<string, unknown>, now: Date) =>
    ctx.publish({ streams: [`team_execution:${teamId}`], event, resource_type: 'agent_team', resource_id: teamId, payload: { team_id: teamId, ...payload }, timestamp: iso(now) });

  const progress = (r: NonNullable<typeof run>) => ({ completed_members: r.done, total_members: MEMBERS.length, percentage: Math.round((r.done / MEMBERS.length) * 100) });

  return {
    name: 'teams',
    every: 1,
    async tick() {
      tick += 1;
      if (tick % 2 !== 0) return; // every other interval, off-beat with missions
      const now = ctx.now();
      if (!run) {
        if (idle-- > 0) return;
        run = { id: `demo-team-exec-${++seq}`, startedAt: iso(now), done: 0, tokens: 0 };
        await publish('execution_started', { execution_id: run.id, status: 'running', objective: 'Ship the onboarding checklist', members: MEMBERS, started_at: run.startedAt }, now);
        return;
      }
      const member = MEMBERS[run.done];
      if (!member) {
        const r = run;
        run = undefined;
        idle = 2;
        const failed = ctx.random() < 0.1;
        const base = { execution_id: r.id, started_at: r.startedAt, completed_at: iso(now), duration_ms: elapsedMs(r.startedAt, now), total_tokens: r.tokens };
        await publish(failed ? 'execution_failed' : 'execution_completed', failed ? { ...base, status: 'failed', error_message: 'Reviewer rejected the change set twice' } : { ...base, status: 'completed' }, now);
        return;
      }
      const tokens = randInt(ctx, 800, 6000);
      run.tokens += tokens;
      await publish('execution_progress', { execution_id: run.id, status: 'running', current_member: member, progress: progress(run) }, now);
      run.done += 1;
      await publish('member_completed', { execution_id: run.id, member, tokens_used: tokens, output: `${member.role} finished`, progress: progress(run) }, now);
    },
  };
}
