import { createHash } from 'node:crypto';
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { SUBJECT_PREFIX } from '../subjects.js';

/** Limits of the JetStream stream that holds history (all from configuration). */
export interface EventsStreamConfig {
  readonly name: string;
  readonly maxAgeMs: number;
  readonly maxPerSubject: number;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  /** Window in which a retried publish with the same message id is stored once. */
  readonly duplicateWindowMs: number;
}

export const DEFAULT_EVENTS_STREAM: EventsStreamConfig = {
  name: 'HERALD_EVENTS',
  maxAgeMs: 24 * 3600_000,
  maxPerSubject: 1000,
  storage: 'file',
  replicas: 1,
  duplicateWindowMs: 120_000,
};

const ms = (n: number): number => n * 1_000_000; // JetStream durations are nanoseconds

function desiredConfig(c: EventsStreamConfig): Partial<StreamConfig> & { name: string } {
  return {
    name: c.name,
    subjects: [`${SUBJECT_PREFIX.events}.>`],
    // Every stored event is re-published to the live subject edges listen on, with
    // Nats-Sequence (the offset) and Nats-Last-Sequence (the previous offset of the same subject).
    republish: { src: `${SUBJECT_PREFIX.events}.>`, dest: `${SUBJECT_PREFIX.live}.>` },
    allow_direct: true,
    max_age: ms(c.maxAgeMs),
    max_msgs_per_subject: c.maxPerSubject,
    num_replicas: c.replicas,
    duplicate_window: ms(Math.min(c.duplicateWindowMs, c.maxAgeMs)),
    storage: c.storage as StreamConfig['storage'],
    discard: 'old' as StreamConfig['discard'],
  };
}

/**
 * Create the history stream, or bring the limits of an existing one up to the
 * configuration (several pods may race here: losing the create race is fine).
 * `update` false (producers) leaves an existing stream as the operators set it.
 */
export async function ensureEventsStream(jsm: JetStreamManager, c: EventsStreamConfig, update = true): Promise<StreamInfo> {
  const want = desiredConfig(c);
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(c.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      return await jsm.streams.add(want);
    } catch (addErr) {
      info = await jsm.streams.info(c.name).catch(() => {
        throw addErr;
      });
    }
  }
  const have = info.config;
  if (!update) return info;
  if (have.storage !== want.storage) {
    throw new Error(`JetStream stream ${c.name} uses ${have.storage} storage but ${want.storage} is configured; storage cannot change in place (delete the stream or change the setting)`);
  }
  const drift =
    have.max_age !== want.max_age ||
    have.max_msgs_per_subject !== want.max_msgs_per_subject ||
    have.num_replicas !== want.num_replicas ||
    have.allow_direct !== true ||
    have.republish?.dest !== want.republish?.dest;
  return drift ? jsm.streams.update(c.name, { ...have, ...want }) : info;
}

/** The epoch: one incarnation of the stream. A recreated stream restarts its sequence, so offsets of the old one mean nothing. */
export function epochOf(info: StreamInfo): string {
  return createHash('sha256').update(`${info.config.name}\n${info.created}`).digest('base64url').slice(0, 12);
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === 404 || /not found/i.test(String(e?.message));
}
