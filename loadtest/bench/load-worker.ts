/**
 * A load-generator process (forked by the harness, driven over IPC): holds up
 * to ~19,000 BenchClients, connects and subscribes them, counts and times the
 * events they receive, and resumes them with `since` when asked or when their
 * edge dies. One process per ~19,000 sockets because of the open-files limit.
 */
import { signDevToken } from '@herald/auth';
import { Histogram, nowMs } from './histogram.js';
import type { ConnectPlan, WorkerReply, WorkerRequest, WorkerStats } from './protocol.js';
import { expand } from './protocol.js';
import { BenchClient, SeqWindow, UpgradeError, type Control, type EventSink } from './ws-client.js';

const clients: BenchClient[] = [];
let plan: ConnectPlan | undefined;
const latency = new Histogram();
const counters = { events: 0, duplicated: 0, reordered: 0, closes: {} as Record<string, number> };
const resume = { started: 0, resumed: 0, recovered: 0, notRecovered: 0, failed: 0, firstCloseAt: 0, lastResumedAt: 0 };

const sink: EventSink = {
  event(client, tag, seq, publishedMs, offset) {
    counters.events++;
    latency.record(nowMs() - publishedMs);
    if (seq === 0) return;
    let seen = client.seen.get(tag);
    if (!seen) client.seen.set(tag, (seen = new SeqWindow()));
    if (!seen.mark(seq)) counters.duplicated++;
    if (offset > 0) {
      if (offset <= (client.lastOffset.get(tag) ?? 0)) counters.reordered++;
      else client.lastOffset.set(tag, offset);
    }
  },
  closed(client, code) {
    counters.closes[code] = (counters.closes[code] ?? 0) + 1;
    if (plan?.autoResume) void resumeClient(client, plan, plan.resumeDelayMs ?? 0);
  },
};

/** Connects `client` to its current edge (`urls[urlIndex]`) and resolves with the welcome frame. */
function connectToEdge(p: ConnectPlan, client: BenchClient): Promise<Control> {
  const u = new URL(p.urls[client.urlIndex % p.urls.length]!);
  return client.connect(u.hostname, Number(u.port), p.path);
}

async function subscribeAll(p: ConnectPlan, client: BenchClient, since: boolean): Promise<Control[]> {
  const replies: Control[] = [];
  for (let s = 0; s < p.subscribe.length; s++) {
    let frame = expand(p.subscribe[s]!, client.index);
    if (since && client.epoch) {
      const parsed = JSON.parse(frame) as Record<string, unknown>;
      parsed['since'] = { epoch: client.epoch, offset: client.offset };
      frame = JSON.stringify(parsed);
    }
    const reply = await client.request(frame, (JSON.parse(frame) as { id: unknown }).id);
    replies.push(reply);
    if (reply.type !== 'subscribed') throw new UpgradeError(0, `subscribe_${String(reply['reason'] ?? reply.type)}`);
    const stream = (reply['streams'] as { epoch?: string; offset?: number }[] | undefined)?.[0];
    if (stream?.epoch && !client.epoch) {
      client.epoch = stream.epoch;
      client.offset = stream.offset ?? 0;
    }
  }
  return replies;
}

async function connectOne(p: ConnectPlan, client: BenchClient, connectMs: Histogram): Promise<void> {
  const t0 = nowMs();
  await connectToEdge(p, client);
  connectMs.record(nowMs() - t0);
  await subscribeAll(p, client, false);
}

async function resumeClient(client: BenchClient, p: ConnectPlan, delayMs: number): Promise<void> {
  const at = nowMs();
  if (!resume.firstCloseAt) resume.firstCloseAt = at;
  resume.started++;
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  for (let attempt = 0; attempt < 50; attempt++) {
    client.urlIndex++; // the next edge: the one it was on may be gone
    try {
      await connectToEdge(p, client);
      const replies = await subscribeAll(p, client, true);
      const recovered = replies.every((r) => r['recovered'] !== false);
      if (recovered) resume.recovered++;
      else resume.notRecovered++;
      resume.resumed++;
      resume.lastResumedAt = nowMs();
      return;
    } catch {
      client.close();
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
  resume.failed++;
}

async function connectAll(p: ConnectPlan): Promise<WorkerReply> {
  plan = p;
  // Tokens are signed before the clock starts: a connect storm measures the edge, not the signer.
  const batch: BenchClient[] = [];
  for (let i = p.from; i < p.from + p.count; i++) {
    const token = await signDevToken({ secret: p.secret, sub: expand(p.user, i), account: expand(p.account, i), ttlSec: 3600, ...(p.kind ? { kind: p.kind as 'user' } : {}) });
    const c = new BenchClient(i, token, sink);
    c.urlIndex = p.pinFirst ? 0 : i;
    batch.push(c);
  }
  const connectMs = new Histogram();
  const failures: Record<string, number> = {};
  const startedAt = nowMs();
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < batch.length) {
      const c = batch[next++]!;
      try {
        await connectOne(p, c, connectMs);
        clients.push(c);
      } catch (err) {
        const reason = err instanceof UpgradeError ? err.reason : (err as NodeJS.ErrnoException).code ?? String(err);
        failures[reason] = (failures[reason] ?? 0) + 1;
        c.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, batch.length) }, runner));
  const doneAt = nowMs();
  return { connected: batch.length - Object.values(failures).reduce((a, b) => a + b, 0), failures, startedAt, doneAt, connectMs: connectMs.toSparse(), connectMaxMs: connectMs.max };
}

function stats(reset: boolean): WorkerStats {
  const out: WorkerStats = {
    open: clients.filter((c) => c.isOpen).length,
    events: counters.events,
    duplicated: counters.duplicated,
    reordered: counters.reordered,
    latency: latency.toSparse(),
    latencyMax: latency.max,
    closes: { ...counters.closes },
    resume: { ...resume },
  };
  if (reset) {
    counters.events = 0;
    latency.reset();
  }
  return out;
}

/** Events each client should have had, per tag: `final[tag]` minus the distinct ones it received. */
function lost(final: Record<string, number>, tagsOf: string[], report: boolean): number {
  let missing = 0;
  for (const c of clients) {
    for (const t of tagsOf) {
      const tag = Number(expand(t, c.index));
      const want = final[tag] ?? 0;
      const got = c.seen.get(tag)?.distinct ?? 0;
      missing += Math.max(0, want - got);
      if (report && process.env['HERALD_BENCH_DEBUG'] && want > got) {
        const w = c.seen.get(tag);
        process.stderr.write(`lost: client ${c.index} tag ${tag} want ${want} got ${got} base ${w?.base} offset ${c.offset} url ${c.urlIndex} open ${c.isOpen} close-frame ${c.closeCode}\n`);
      }
    }
  }
  return missing;
}

process.on('message', (msg: WorkerRequest) => {
  const reply = (body: WorkerReply): void => void process.send!({ id: msg.id, ...body });
  switch (msg.op) {
    case 'connect':
      void connectAll(msg.plan).then(reply, (err: unknown) => reply({ error: String(err) }));
      break;
    case 'stats':
      reply({ stats: stats(msg.reset ?? false) });
      break;
    case 'lost':
      reply({ lost: lost(msg.final, msg.tags, msg.report ?? true) });
      break;
    case 'drop':
      // A network blip: every socket goes at once; they come back with `since` after `delayMs`.
      for (const c of clients) {
        c.close();
        void resumeClient(c, plan!, msg.delayMs);
      }
      reply({ dropped: clients.length });
      break;
    case 'close':
      for (const c of clients) c.close();
      clients.length = 0;
      reply({ closed: true });
      break;
    case 'exit': // instead of a SIGKILL when profiling: exiting writes the CPU profile
      process.exit(0);
  }
});
process.send!({ ready: true });
