/**
 * The benchmark publisher (a separate process, driven over IPC): publishes
 * at a fixed rate, round-robin over stream groups, through the edge's HTTP
 * API or the NATS producer SDK. Each payload carries the group tag `b`, a
 * per-group sequence `seq` and the send time `t` (µs), which the load
 * generators use for loss, duplicates and latency.
 */
import { Agent, request } from 'node:http';
import { connectProducer, type NatsProducer } from '@herald/producer';
import { Histogram, nowMs } from './histogram.js';
import type { PublishPlan, PublishResult, PublisherRequest } from './protocol.js';

type Send = (streams: readonly string[], body: string) => Promise<void>;

let producer: NatsProducer | undefined;
let stopping = false;
/** Sequences continue across runs of one process, so clients see one increasing series per tag. */
const seq = new Map<number, number>();
const final: Record<string, number> = {};

/** POST /v1/publish on every target (embedded edges each have their own bus); acknowledged when all answer 200. */
function httpSender(plan: PublishPlan): Send {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.maxInFlight ?? 64 });
  const urls = plan.target.split(',').map((t) => new URL('/v1/publish', t));
  const post = (url: URL, body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.apiKey ?? ''}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`publish answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  return async (streams, payload) => {
    const body = `{"streams":${JSON.stringify(streams)},"event":"bench","payload":${payload}}`;
    await Promise.all(urls.map((u) => post(u, body)));
  };
}

async function natsSender(plan: PublishPlan): Promise<Send> {
  producer ??= await connectProducer({ servers: plan.target, name: 'herald-bench' });
  const p = producer;
  return async (streams, payload) => {
    await p.publish({ streams, event: 'bench', payloadJson: payload });
  };
}

async function run(plan: PublishPlan): Promise<PublishResult> {
  stopping = false;
  const send = plan.via === 'http' ? httpSender(plan) : await natsSender(plan);
  const maxInFlight = plan.maxInFlight ?? 64;
  const padding = plan.padding ? `,"pad":"${'x'.repeat(plan.padding)}"` : '';
  const ack = new Histogram();
  let published = 0;
  let failed = 0;
  let behind = 0;
  let inFlight = 0;
  let due = 0;
  let g = 0;
  const started = nowMs();
  let drained: (() => void) | undefined;

  // Publishes overlap (up to maxInFlight), as many producers' would: the edge may store them in
  // another order than their sequence numbers, so clients check order by offset, not by seq.
  const publishOne = (): void => {
    const group = plan.groups[g++ % plan.groups.length]!;
    const n = (seq.get(group.tag) ?? 0) + 1;
    seq.set(group.tag, n);
    const t = nowMs();
    inFlight++;
    send(group.streams, `{"b":${group.tag},"seq":${n},"t":${Math.round(t * 1000)}${padding}}`)
      .then(
        () => {
          published++;
          ack.record(nowMs() - t);
          final[group.tag] = (final[group.tag] ?? 0) + 1; // acknowledged events of this tag
        },
        () => void failed++,
      )
      .finally(() => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
  };

  // A 2 ms tick issues what the schedule says is due: smooth enough for latency, cheap enough at 100k/s.
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = nowMs() - started;
      const target = Math.floor((Math.min(elapsed, plan.durationMs) / 1000) * plan.rate);
      while (due < target) {
        if (inFlight >= maxInFlight) {
          behind += target - due;
          due = target;
          break;
        }
        due++;
        publishOne();
      }
      if (elapsed >= plan.durationMs || stopping) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  if (inFlight > 0) await new Promise<void>((r) => (drained = r));
  return { final: { ...final }, published, failed, behind, ackMs: ack.toSparse(), ackMaxMs: ack.max, elapsedMs: nowMs() - started };
}

process.on('message', (msg: PublisherRequest) => {
  if (msg.op === 'exit') process.exit(0); // instead of a SIGKILL when profiling: exiting writes the CPU profile
  if (msg.op === 'stop') {
    stopping = true;
    return void process.send!({ id: msg.id, stopped: true });
  }
  run(msg.plan).then(
    (result) => process.send!({ id: msg.id, ...result }),
    (err: unknown) => process.send!({ id: msg.id, error: String(err) }),
  );
});
process.send!({ ready: true });
