/** IPC between the harness and its load-generator and publisher processes. */

/** How one worker connects its share of clients. Templates expand `{i}` and `{i%N}` with the client index. */
export interface ConnectPlan {
  /** Edge base URLs (`ws://127.0.0.1:8080`); client i starts on `urls[i % n]`. */
  readonly urls: readonly string[];
  /** Path and query of the upgrade (the token is appended). */
  readonly path: string;
  readonly from: number;
  readonly count: number;
  readonly secret: string;
  readonly user: string;
  readonly account: string;
  readonly kind?: string;
  /** Subscribe frames, each with an `id`; each must be answered `subscribed`. */
  readonly subscribe: readonly string[];
  /** Connects in flight at once (the storm scenario sets it to the whole batch). */
  readonly concurrency: number;
  /** Reconnect with `since` to the next edge when a socket drops. */
  readonly autoResume?: boolean;
  readonly resumeDelayMs?: number;
  /** Every client starts on `urls[0]` (the resume scenario kills that edge). */
  readonly pinFirst?: boolean;
}

export type WorkerRequest =
  | { readonly id: number; readonly op: 'connect'; readonly plan: ConnectPlan }
  | { readonly id: number; readonly op: 'stats'; readonly reset?: boolean }
  | { readonly id: number; readonly op: 'lost'; readonly final: Record<string, number>; readonly tags: string[]; readonly report?: boolean }
  | { readonly id: number; readonly op: 'drop'; readonly delayMs: number }
  | { readonly id: number; readonly op: 'close' }
  | { readonly id: number; readonly op: 'exit' };

export interface ResumeCounters {
  started: number;
  resumed: number;
  recovered: number;
  notRecovered: number;
  failed: number;
  firstCloseAt: number;
  lastResumedAt: number;
}

export interface WorkerStats {
  readonly open: number;
  readonly events: number;
  readonly duplicated: number;
  /** Events whose offset was not above the previous one of the same stream: an ordering bug. */
  readonly reordered: number;
  readonly latency: [number, number][];
  readonly latencyMax: number;
  readonly closes: Record<string, number>;
  readonly resume: ResumeCounters;
}

export interface ConnectResult {
  readonly connected: number;
  readonly failures: Record<string, number>;
  readonly startedAt: number;
  readonly doneAt: number;
  readonly connectMs: [number, number][];
  readonly connectMaxMs: number;
}

export type WorkerReply =
  | ConnectResult
  | { readonly stats: WorkerStats }
  | { readonly lost: number }
  | { readonly dropped: number }
  | { readonly closed: true }
  | { readonly error: string };

/** A group of streams published together; every stream of a group carries the same sequence. */
export interface PublishGroup {
  readonly tag: number;
  readonly streams: readonly string[];
}

export interface PublishPlan {
  /** `http`: POST /v1/publish on an edge (embedded, baseline); `nats`: the producer SDK (cluster). */
  readonly via: 'http' | 'nats';
  readonly target: string;
  readonly apiKey?: string;
  readonly groups: readonly PublishGroup[];
  /** Publish requests per second, spread over the groups round-robin. */
  readonly rate: number;
  readonly durationMs: number;
  /** Extra payload bytes, to model realistic event sizes. */
  readonly padding?: number;
  /** Publishes queued or in flight at most; beyond it the publisher falls behind (reported). */
  readonly maxInFlight?: number;
}

export interface PublishResult {
  /** Per tag, how many events were acknowledged (all runs of this publisher). */
  readonly final: Record<string, number>;
  readonly published: number;
  readonly failed: number;
  /** Publishes that could not start on time because `maxInFlight` were pending. */
  readonly behind: number;
  readonly ackMs: [number, number][];
  readonly ackMaxMs: number;
  readonly elapsedMs: number;
}

export type PublisherRequest = { readonly id: number; readonly op: 'run'; readonly plan: PublishPlan } | { readonly id: number; readonly op: 'stop' } | { readonly id: number; readonly op: 'exit' };

const PLACEHOLDER = /\{i(?:%(\d+))?(?:\/(\d+))?\}/g;

/** `{i}` → i, `{i%N}` → i mod N, `{i%N/M}` → floor((i mod N) / M). */
export function expand(template: string, i: number): string {
  return template.replace(PLACEHOLDER, (_m, mod: string | undefined, div: string | undefined) => {
    const v = mod ? i % Number(mod) : i;
    return String(div ? Math.floor(v / Number(div)) : v);
  });
}
