// resume.js — reconnect with resume: every VU subscribes to the trading stream
// of one account, receives events for PHASE seconds, closes its socket, stays
// away GAP seconds while the publisher keeps going, then reconnects (to the
// next edge of HERALD_URLS, so resumes cross pods) and subscribes with
// `since` = the {epoch, offset} of the last event it saw. Repeated CYCLES
// times. Checks that Herald answers `recovered: true` and that the events
// missed during the gap are replayed: no seq gap and no duplicate across the
// reconnects (herald_lost, herald_duplicated, herald_recovered).
//
// The missed events must still be in the stream's history: keep
// RATE × GAP below the edges' HERALD_HISTORY_MAX_PER_STREAM (default 1000).
//
// Env:
//   HERALD_URL          http(s) base of an edge (default http://127.0.0.1:8080); ws(s) is derived
//   HERALD_URLS         optional comma list of edges; each reconnect moves to the next one
//   HERALD_JWT_SECRET   the edges' HS256 secret (required, ≥ 32 bytes)
//   HERALD_API_KEY      producer API key (required)
//   HERALD_ACCOUNT      account whose trading stream is used (default k6)
//   VUS=10              subscriber VUs (one socket at a time each)
//   RATE=20             events per second
//   PHASE=3             seconds connected per cycle
//   GAP=2               seconds disconnected per cycle
//   CYCLES=1            reconnects per VU
//   WARMUP=2  DRAIN=2   seconds before / after the publishing
//   PUB_VUS=2           pre-allocated publisher VUs (max 4×)
//   CONNECT_P95_MS=1000  DELIVERY_P99_MS=1500  MAX_ERROR_RATE=0.01  MIN_RECOVERED_RATE=0.999  (thresholds)
//   (replayed events are old by design: herald_delivery_ms only has a p99 bound here, RESUME_DELIVERY_P99_MS,
//    default (GAP + 2) s)
//
//   k6 run -e HERALD_URLS=https://edge-a.example.com,https://edge-b.example.com -e HERALD_JWT_SECRET=… \
//          -e HERALD_API_KEY=… -e VUS=500 -e RATE=20 -e CYCLES=5 -e GAP=10 loadtest/k6/resume.js
import {
  ACCOUNT,
  baseThresholds,
  connect,
  deliveryThresholds,
  edgeFor,
  mintToken,
  newRun,
  num,
  primeCounters,
  publish,
  requireApiKey,
  requireSecret,
  secs,
  subscriberIndex,
  Tracker,
} from './lib/herald.js';
import { Rate } from 'k6/metrics';

requireSecret();
requireApiKey();
const VUS = num('VUS', 10);
const RATE = num('RATE', 20);
const PHASE = num('PHASE', 3);
const GAP = num('GAP', 2);
const CYCLES = num('CYCLES', 1);
const WARMUP = num('WARMUP', 2);
const DRAIN = num('DRAIN', 2);
const PUB_VUS = num('PUB_VUS', 2);
const STREAM = `trading:${ACCOUNT}`;
// Publishing covers every connected phase and every gap; the subscribers' last phase ends DRAIN later.
const PUBLISH_S = (CYCLES + 1) * PHASE + CYCLES * GAP;

const recovered = new Rate('herald_recovered');

const delivery = deliveryThresholds();
delivery.herald_delivery_ms = [`p(99)<${num('RESUME_DELIVERY_P99_MS', (GAP + 2) * 1000)}`];

export const options = {
  scenarios: {
    subscribers: {
      executor: 'per-vu-iterations',
      exec: 'subscriber',
      vus: VUS,
      iterations: 1,
      maxDuration: secs(WARMUP + PUBLISH_S + DRAIN + 60 + CYCLES * 5),
      gracefulStop: '10s',
    },
    publisher: {
      executor: 'constant-arrival-rate',
      exec: 'publisher',
      rate: RATE,
      timeUnit: '1s',
      duration: secs(PUBLISH_S),
      startTime: secs(WARMUP),
      preAllocatedVUs: PUB_VUS,
      maxVUs: PUB_VUS * 4,
    },
  },
  thresholds: {
    ...baseThresholds(),
    ...delivery,
    herald_recovered: [`rate>${num('MIN_RECOVERED_RATE', 0.999)}`],
  },
};

export function setup() {
  return newRun();
}

export function subscriber(data) {
  primeCounters();
  const i = subscriberIndex();
  const tracker = new Tracker(data.run); // kept across the reconnects: the seq check spans them
  const token = mintToken({ sub: `k6-resume-${i}`, account: ACCOUNT });

  const session = (cycle) => {
    const since = cycle === 0 ? undefined : tracker.position.get(STREAM);
    if (cycle > 0 && !since) {
      // Never subscribed (the first session failed): nothing to resume from.
      recovered.add(false);
      return tracker.finish();
    }
    const last = cycle === CYCLES;
    let hold;
    const conn = connect({
      edge: edgeFor(i + cycle),
      token,
      onWelcome(c) {
        c.subscribe('TradingChannel', {}, since, (reply) => {
          if (reply.type !== 'subscribed') return c.close();
          if (since) {
            recovered.add(reply.recovered === true);
            if (reply.recovered !== true) console.warn(`herald: resume of ${STREAM} from ${JSON.stringify(since)} not recovered: ${JSON.stringify(reply)}`);
          }
          tracker.subscribed(reply);
        });
      },
      onEvent: (frame) => tracker.observe(frame),
      onClose(info) {
        clearTimeout(hold);
        if (last || !info.welcomed) return tracker.finish();
        setTimeout(() => session(cycle + 1), GAP * 1000);
      },
    });
    // The first phase also waits out the warm-up; the last one the drain.
    hold = setTimeout(() => conn.close(), (PHASE + (cycle === 0 ? WARMUP : 0) + (last ? DRAIN : 0)) * 1000);
  };
  session(0);
}

export function publisher(data) {
  publish(data, STREAM);
}
