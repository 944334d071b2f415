import type { Producer, PublishInput } from '@herald/producer';

export type DemoLog = (msg: string, fields?: object) => void;

/** What every demo producer gets: a guarded publish, the clock and randomness. */
export interface DemoContext {
  readonly accountId: string;
  readonly intervalMs: number;
  readonly log: DemoLog;
  /** Publishes unless the demo is stopping. Failures are logged, never thrown; resolves whether it was published. */
  publish(input: PublishInput): Promise<boolean>;
  /** Current time as a Date (so durations are real elapsed time). */
  now(): Date;
  random(): number;
}

export function createContext(producer: Producer, opts: { accountId: string; intervalMs: number; log: DemoLog; isStopped: () => boolean }): DemoContext {
  return {
    accountId: opts.accountId,
    intervalMs: opts.intervalMs,
    log: opts.log,
    now: () => new Date(),
    random: Math.random,
    async publish(input) {
      if (opts.isStopped()) return false;
      try {
        await producer.publish(input);
        return true;
      } catch (err) {
        opts.log('demo publish failed', { event: input.event, streams: input.streams, error: err instanceof Error ? err.message : String(err) });
        return false;
      }
    },
  };
}

/** A producer module: called on its own timer; state lives in the closure. */
export interface DemoTask {
  readonly name: string;
  /** Timer period as a multiple of intervalMs (e.g. 0.25 for token chunks). */
  readonly every: number;
  tick(): Promise<void>;
}

export const iso = (d: Date): string => d.toISOString();

/** Milliseconds between an ISO start and `end`. */
export const elapsedMs = (startIso: string, end: Date): number => Math.max(0, end.getTime() - Date.parse(startIso));

export function randInt(ctx: DemoContext, min: number, max: number): number {
  return min + Math.floor(ctx.random() * (max - min + 1));
}

export function pick<T>(ctx: DemoContext, items: readonly T[]): T {
  const item = items[Math.floor(ctx.random() * items.length)] ?? items[0];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
