import { elapsedMs, iso, randInt, type DemoContext, type DemoTask } from './context.js';
import type { DemoGitJob, DemoResources } from './resources.js';

/** What each job prints; `{n}` and `{ms}` are filled with numbers. */
const SCRIPTS: Record<string, readonly string[]> = {
  build: [
    '$ git fetch --depth=1 origin main',
    'HEAD is now at 3f9c2e1 Merge pull request #482',
    '$ npm ci',
    'added {n} packages, and audited {n} packages in {ms}ms',
    'found 0 vulnerabilities',
    '$ npm run build',
    '> tsc -b tsconfig.build.json',
    'Build finished in {ms}ms',
  ],
  test: [
    '$ npm test',
    '▶ protocol codecs',
    '  ✔ encodes envelopes byte for byte ({ms}ms)',
    '  ✔ rejects oversize frames ({ms}ms)',
    '▶ channel catalog',
    '  ✔ resolves every documented channel ({ms}ms)',
    '  ✔ refuses unknown params ({ms}ms)',
    'ℹ tests {n}',
    'ℹ pass {n}',
    'ℹ fail 0',
  ],
  deploy: [
    '$ helm upgrade --install herald ./helm/herald --atomic',
    'Release "herald" has been upgraded. Happy Helming!',
    'Waiting for deployment "herald-edge" rollout to finish: 1 of 3 updated replicas are available...',
    'Waiting for deployment "herald-edge" rollout to finish: 2 of 3 updated replicas are available...',
    'deployment "herald-edge" successfully rolled out',
    'Smoke test: GET /readyz -> 200 ({ms}ms)',
  ],
};

interface JobRun {
  readonly job: DemoGitJob;
  readonly lines: readonly string[];
  readonly startedAt: string;
  sent: number;
  sequence: number;
}

/**
 * Git job logs: for each job of the demo pipeline in turn, `log.chunk`
 * (`{job_id, sequence, lines}`) a few lines at a time, then `log.complete`.
 * The pipeline's status and its jobs' status go to the pipeline and account
 * DevOps streams.
 */
export function gitLogsTask(ctx: DemoContext, res: DemoResources): DemoTask {
  let jobIndex = 0;
  let current: JobRun | undefined;
  let pipelineRun = 0;
  let pipelineStartedAt = '';
  let idle = 0;

  const fill = (line: string) => line.replace(/\{n\}/g, () => String(randInt(ctx, 40, 900))).replace(/\{ms\}/g, () => String(randInt(ctx, 3, 4000)));

  async function pipelineEvent(job: DemoGitJob, event: string, payload: Record<string, unknown>, now: Date): Promise<void> {
    await ctx.publish({
      streams: [`devops_pipeline_${job.pipelineId}`, `devops_account_${ctx.accountId}`],
      event,
      resource_type: 'devops_pipeline',
      resource_id: job.pipelineId,
      payload,
      timestamp: iso(now),
    });
  }

  const pipelineJson = (job: DemoGitJob, status: string, now: Date, finished: boolean) => ({
    id: job.pipelineId,
    repository_id: job.repositoryId,
    account_id: ctx.accountId,
    name: 'main: build, test, deploy',
    run_number: pipelineRun,
    status,
    current_job: finished ? null : job.name,
    jobs: res.gitJobs.map((j) => j.jobId),
    started_at: pipelineStartedAt,
    completed_at: finished ? iso(now) : null,
    duration_ms: finished ? elapsedMs(pipelineStartedAt, now) : null,
  });

  const jobJson = (run: JobRun, status: string, now: Date | undefined) => ({
    id: run.job.jobId,
    name: run.job.name,
    pipeline_id: run.job.pipelineId,
    repository_id: run.job.repositoryId,
    status,
    started_at: run.startedAt,
    completed_at: now ? iso(now) : null,
    duration_ms: now ? elapsedMs(run.startedAt, now) : null,
  });

  async function startJob(now: Date): Promise<void> {
    const job = res.gitJobs[jobIndex % res.gitJobs.length]!;
    if (jobIndex % res.gitJobs.length === 0) {
      pipelineRun += 1;
      pipelineStartedAt = iso(now);
      await pipelineEvent(job, 'pipeline.status_changed', { pipeline: pipelineJson(job, 'running', now, false), previous_status: 'pending' }, now);
    }
    current = { job, lines: (SCRIPTS[job.name] ?? ['$ true']).map(fill), startedAt: iso(now), sent: 0, sequence: 0 };
    await pipelineEvent(job, 'pipeline.job.status_changed', { pipeline_id: job.pipelineId, job: jobJson(current, 'running', undefined) }, now);
  }

  async function chunk(run: JobRun, now: Date): Promise<void> {
    const lines = run.lines.slice(run.sent, run.sent + randInt(ctx, 1, 3));
    run.sent += lines.length;
    run.sequence += 1;
    await ctx.publish({
      streams: [`git_job_logs:${run.job.jobId}`],
      event: 'log.chunk',
      resource_type: 'git_job',
      resource_id: run.job.jobId,
      payload: { job_id: run.job.jobId, pipeline_id: run.job.pipelineId, repository_id: run.job.repositoryId, sequence: run.sequence, first_line: run.sent - lines.length + 1, lines },
      timestamp: iso(now),
    });
  }

  async function complete(run: JobRun, now: Date): Promise<void> {
    current = undefined;
    jobIndex += 1;
    await ctx.publish({
      streams: [`git_job_logs:${run.job.jobId}`],
      event: 'log.complete',
      resource_type: 'git_job',
      resource_id: run.job.jobId,
      payload: { job_id: run.job.jobId, status: 'success', exit_code: 0, total_lines: run.sent, total_chunks: run.sequence, started_at: run.startedAt, completed_at: iso(now), duration_ms: elapsedMs(run.startedAt, now) },
      timestamp: iso(now),
    });
    await pipelineEvent(run.job, 'pipeline.job.status_changed', { pipeline_id: run.job.pipelineId, job: jobJson(run, 'success', now) }, now);
    if (jobIndex % res.gitJobs.length === 0) {
      await pipelineEvent(run.job, 'pipeline.status_changed', { pipeline: pipelineJson(run.job, 'success', now, true), previous_status: 'running' }, now);
      idle = 3;
    }
  }

  return {
    name: 'git-logs',
    every: 1,
    async tick() {
      const now = ctx.now();
      if (!current) {
        if (idle-- > 0) return;
        await startJob(now);
      }
      const run = current;
      if (!run) return;
      if (run.sent < run.lines.length) await chunk(run, now);
      else await complete(run, now);
    },
  };
}
