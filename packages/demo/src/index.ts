import type { Producer } from '@herald/producer';
import { createContext, type DemoLog, type DemoTask } from './context.js';
import { executionsTask } from './executions.js';
import { gitLogsTask } from './git-logs.js';
import { missionsTask } from './missions.js';
import { demoResources, type DemoResources } from './resources.js';
import { streamingTask } from './streaming.js';
import { teamsTask } from './teams.js';
import { workflowsTask } from './workflows.js';

export type { DemoAgent, DemoGitJob, DemoOwned, DemoResources, DemoSubscription, DemoWorkflow, DemoWorkflowNode } from './resources.js';
export { demoResources } from './resources.js';
export type { DemoLog } from './context.js';
export {
  registerConversationHandlers,
  type ConversationActionRegistry,
  type ConversationActionRequest,
  type ConversationHandlerOptions,
  type ConversationHandlers,
} from './conversation.js';

export interface DemoOptions {
  /** Account that owns every demo resource (subscribe with a token of this account). */
  readonly accountId: string;
  /** Base period of the producers, default 1500 ms. Token chunks go 4× faster. */
  readonly intervalMs?: number;
  readonly log?: DemoLog;
}

export interface DemoProducers {
  /** Clears every timer and waits for publishes in flight; nothing is published after it resolves. */
  stop(): Promise<void>;
  readonly resources: DemoResources;
}

/**
 * Built-in demo producers for embedded mode: records ownership of the demo
 * resources for `accountId`, then publishes realistic agent-platform events
 * (agent executions, workflow runs and node updates, git job logs, pipeline
 * status, AI token streaming, missions, team executions) on unref'd timers.
 */
export function startDemoProducers(producer: Producer, opts: DemoOptions): DemoProducers {
  const intervalMs = Math.max(1, opts.intervalMs ?? 1500);
  const log: DemoLog = opts.log ?? (() => {});
  const resources = demoResources(opts.accountId);
  let stopped = false;
  const timers = new Set<ReturnType<typeof setInterval>>();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  const ready = track(
    Promise.all(
      resources.owned.map((o) =>
        producer.setOwner(o.resourceType, o.resourceId, opts.accountId).catch((err: unknown) => {
          log('demo setOwner failed', { resourceType: o.resourceType, resourceId: o.resourceId, error: err instanceof Error ? err.message : String(err) });
        }),
      ),
    ),
  );

  const ctx = createContext(producer, { accountId: opts.accountId, intervalMs, log, isStopped: () => stopped });
  const tasks: DemoTask[] = [executionsTask(ctx, resources), workflowsTask(ctx, resources), gitLogsTask(ctx, resources), streamingTask(ctx, resources), missionsTask(ctx, resources), teamsTask(ctx, resources)];

  const runners = tasks.map((task) => {
    let busy = false; // a slow publish delays its producer's next step instead of piling up
    return () => {
      if (stopped || busy) return;
      busy = true;
      void track(
        ready
          .then(() => (stopped ? undefined : task.tick()))
          .catch((err: unknown) => log('demo producer step failed', { producer: task.name, error: err instanceof Error ? err.message : String(err) }))
          .finally(() => {
            busy = false;
          }),
      );
    };
  });

  tasks.forEach((task, i) => {
    const run = runners[i]!;
    const timer = setInterval(run, Math.max(1, Math.round(intervalMs * task.every)));
    timer.unref();
    timers.add(timer);
    run(); // first step right away (after ownership is recorded)
  });
  log('demo producers started', { accountId: opts.accountId, intervalMs, resources: resources.owned.length });

  return {
    resources,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      timers.clear();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
