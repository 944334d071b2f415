import { iso, type DemoContext, type DemoTask } from './context.js';
import type { DemoResources } from './resources.js';

const NAMES = ['Launch the pricing page', 'Migrate search to the new index'];
const PHASES = ['planning', 'research', 'implementation', 'review', 'deployment'] as const;

interface Mission {
  readonly id: string;
  readonly name: string;
  status: string;
  phase: string | null;
  readonly createdAt: string;
  approvals: number;
}

/**
 * Missions, one at a time: `status_changed` and `phase_changed` through the
 * phases, with an approval gate (`approval_required` / `approval_resolved`,
 * plus a notification) before deployment. Published to the mission and
 * account mission streams.
 */
export function missionsTask(ctx: DemoContext, res: DemoResources): DemoTask {
  let tick = 0;
  let cycle = 0;
  let mission: Mission | undefined;
  let stepIndex = 0;
  let approvalSeq = 0;

  const json = (m: Mission, now: Date) => ({
    id: m.id,
    name: m.name,
    account_id: ctx.accountId,
    status: m.status,
    current_phase: m.phase,
    progress: m.phase ? Math.round(((PHASES.indexOf(m.phase as (typeof PHASES)[number]) + (m.status === 'completed' ? 1 : 0)) / PHASES.length) * 100) : 0,
    created_at: m.createdAt,
    updated_at: iso(now),
  });

  const publish = (m: Mission, event: string, payload: Record<string, unknown>, now: Date) =>
    ctx.publish({
      streams: [`mission:mission:${m.id}`, `mission:account:${ctx.accountId}`],
      event,
      resource_type: 'mission',
      resource_id: m.id,
      payload: { mission: json(m, now), ...payload },
      timestamp: iso(now),
    });

  const setStatus = async (m: Mission, status: string, now: Date) => {
    const previous = m.status;
    m.status = status;
    await publish(m, 'status_changed', { previous_status: previous, status }, now);
  };

  const setPhase = async (m: Mission, phase: string, now: Date) => {
    const previous = m.phase;
    m.phase = phase;
    await publish(m, 'phase_changed', { previous_phase: previous, phase }, now);
  };

  const approvalId = (m: Mission) => `${m.id}-approval-${m.approvals}`;

  const steps: ((m: Mission, now: Date) => Promise<unknown>)[] = [
    async (m, now) => {
      await setStatus(m, 'active', now);
      await setPhase(m, 'planning', now);
    },
    (m, now) => setPhase(m, 'research', now),
    (m, now) => setPhase(m, 'implementation', now),
    (m, now) => setPhase(m, 'review', now),
    async (m, now) => {
      m.approvals = ++approvalSeq;
      await setStatus(m, 'awaiting_approval', now);
      const approval = { id: approvalId(m), gate: 'deployment', requested_at: iso(now), requested_by: 'demo-agent-coder' };
      await publish(m, 'approval_required', { approval }, now);
      await ctx.publish({
        streams: [`notifications:${ctx.accountId}`],
        event: 'notification.created',
        resource_type: 'mission',
        resource_id: m.id,
        payload: { id: `demo-notification-${approvalSeq}`, type: 'approval_required', title: 'Approval required', message: `Mission “${m.name}” is waiting for deployment approval.`, severity: 'warning', link: `/missions/${m.id}`, read: false, created_at: iso(now) },
        timestamp: iso(now),
      });
    },
    async (m, now) => {
      await publish(m, 'approval_resolved', { approval: { id: approvalId(m), gate: 'deployment', decision: 'approved', resolved_by: 'demo-user', resolved_at: iso(now) } }, now);
      await setStatus(m, 'active', now);
    },
    (m, now) => setPhase(m, 'deployment', now),
    (m, now) => setStatus(m, 'completed', now),
  ];

  return {
    name: 'missions',
    every: 1,
    async tick() {
      tick += 1;
      if (tick % 2 !== 1) return;
      const now = ctx.now();
      if (!mission) {
        const i = cycle++ % res.missions.length;
        mission = { id: res.missions[i]!, name: NAMES[i % NAMES.length]!, status: 'pending', phase: null, createdAt: iso(now), approvals: 0 };
        stepIndex = 0;
      }
      const step = steps[stepIndex++];
      if (step) await step(mission, now);
      else mission = undefined; // one quiet beat between missions
    },
  };
}
