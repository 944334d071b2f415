// broadcast.js — fan-out: VUS subscriber sockets on one stream (the
// TradingChannel of one account, `trading:<HERALD_ACCOUNT>`), and a publisher
// scenario POSTing RATE events/s to /v1/publish. Every subscriber checks the
// delivery latency (publisher's Date.now() in the payload → arrival) and that
// each publisher VU's `seq` arrives gap-free and exactly once.
//
// Timeline: subscribers connect at 0 s and stay WARMUP + DURATION + DRAIN
// seconds; the publisher runs from WARMUP for DURATION seconds. WARMUP must be
// long enough for every subscriber to be subscribed (see herald_fed).
//
// Env:
//   HERALD_URL          http(s) base of an edge (default http://127.0.0.1:8080); ws(s) is derived
//   HERALD_URLS         optional comma list of edges; subscriber VUs are spread round-robin over
//                       them, each publisher VU sticks to one of them
//   HERALD_JWT_SECRET   the edges' HS256 secret (required, ≥ 32 bytes)
//   HERALD_API_KEY      producer API key (required)
//   HERALD_ACCOUNT      account whose trading stream is used (default k6)
//   VUS=20              subscriber sockets
//   RATE=10             events per second
//   DURATION=10         seconds of publishing
//   WARMUP=3  DRAIN=2   seconds before / after the publishing
//   PUB_VUS=2           pre-allocated publisher VUs (max 4×)
//   CONNECT_P95_MS=1000  DELIVERY_P95_MS=500  DELIVERY_P99_MS=1500  MAX_ERROR_RATE=0.01  (thresholds)
//
//   k6 run -e HERALD_URL=https://herald.example.com -e HERALD_JWT_SECRET=… -e HERALD_API_KEY=… \
//          -e VUS=2000 -e RATE=50 -e DURATION=120 -e WARMUP=20 loadtest/k6/broadcast.js
import {
  ACCOUNT,
  baseThresholds,
  deliveryThresholds,
  fanOutPlan,
  newRun,
  num,
  publish,
  requireApiKey,
  requireSecret,
  subscribeAndHold,
  subscriberIndex,
} from './lib/herald.js';

requireSecret();
requireApiKey();
const PLAN = fanOutPlan({ rate: 10, publisherVus: 2 });
const VUS = num('VUS', 20);
const STREAM = `trading:${ACCOUNT}`;

export const options = {
  scenarios: PLAN.scenarios(VUS),
  thresholds: { ...baseThresholds(), ...deliveryThresholds() },
};

export function setup() {
  return newRun();
}

export function subscriber(data) {
  const i = subscriberIndex();
  const subscriptions = [['TradingChannel', {}]];
  subscribeAndHold(data, { index: i, sub: `k6-broadcast-${i}`, account: ACCOUNT, subscriptions, holdSec: PLAN.holdSec });
}

export function publisher(data) {
  publish(data, STREAM);
}
