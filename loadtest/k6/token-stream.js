// token-stream.js — AI token streaming: STREAMS conversations
// (AiStreamingChannel, live only, no history), SUBS_PER_STREAM sockets on each,
// and a publisher at a high rate of tiny events (`{seq, t, tok: "ab"}`)
// round-robin over the conversations, the way an AI provider's output is
// pushed token by token. Measures per-event delivery latency, loss and
// duplication at high event rates with small payloads.
//
// setup() registers every conversation as owned by HERALD_ACCOUNT
// (PUT /v1/owners/ai_conversation/<id>); the subscribers' tokens carry that account.
//
// Env:
//   HERALD_URL          http(s) base of an edge (default http://127.0.0.1:8080); ws(s) is derived
//   HERALD_URLS         optional comma list of edges; subscriber VUs are spread round-robin over
//                       them, each publisher VU sticks to one of them
//   HERALD_JWT_SECRET   the edges' HS256 secret (required, ≥ 32 bytes)
//   HERALD_API_KEY      producer API key (required: publishing, owner registration)
//   HERALD_ACCOUNT      account owning the conversations, prefix of their ids (default k6)
//   STREAMS=5           conversations
//   SUBS_PER_STREAM=4   sockets per conversation (VUs = STREAMS × SUBS_PER_STREAM)
//   RATE=200            events per second over all conversations
//   DURATION=10         seconds of publishing
//   WARMUP=3  DRAIN=2   seconds before / after the publishing
//   PUB_VUS=4           pre-allocated publisher VUs (max 4×); one HTTP request per event, so
//                       RATE / PUB_VUS must stay below 1000 / (publish round trip in ms)
//   CONNECT_P95_MS=1000  DELIVERY_P95_MS=250  DELIVERY_P99_MS=1000  MAX_ERROR_RATE=0.01  (thresholds)
//
//   k6 run -e HERALD_URL=https://herald.example.com -e HERALD_JWT_SECRET=… -e HERALD_API_KEY=… \
//          -e STREAMS=200 -e SUBS_PER_STREAM=2 -e RATE=2000 -e PUB_VUS=50 -e DURATION=60 loadtest/k6/token-stream.js
import exec from 'k6/execution';
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
  secs,
  setOwners,
  subscribeAndHold,
  subscriberIndex,
} from './lib/herald.js';

requireSecret();
requireApiKey();
const PLAN = fanOutPlan({ rate: 200, publisherVus: 4 });
const STREAMS = Math.max(1, num('STREAMS', 5));
const SUBS_PER_STREAM = num('SUBS_PER_STREAM', 4);
const VUS = STREAMS * SUBS_PER_STREAM;

const conversation = (k) => `${ACCOUNT}-tok-${k}`;

const delivery = deliveryThresholds();
delivery.herald_delivery_ms = [`p(95)<${num('DELIVERY_P95_MS', 250)}`, `p(99)<${num('DELIVERY_P99_MS', 1000)}`];

export const options = {
  setupTimeout: secs(60 + STREAMS / 50),
  scenarios: PLAN.scenarios(VUS),
  thresholds: { ...baseThresholds(), ...delivery },
};

export function setup() {
  setOwners('ai_conversation', Array.from({ length: STREAMS }, (_, k) => ({ id: conversation(k), account: ACCOUNT })));
  return newRun();
}

export function subscriber(data) {
  const i = subscriberIndex();
  const subscriptions = [['AiStreamingChannel', { conversation_id: conversation(i % STREAMS) }]];
  subscribeAndHold(data, { index: i, sub: `k6-tok-${i}`, account: ACCOUNT, subscriptions, holdSec: PLAN.holdSec });
}

export function publisher(data) {
  publish(data, `ai_streaming:conversation:${conversation(exec.scenario.iterationInTest % STREAMS)}`, { tok: 'ab' });
}
