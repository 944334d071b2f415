// many-streams.js — many streams, few subscribers each: every VU has a stream
// of its own and shares a second one with its group, and a publisher spreads
// RATE events/s round-robin over all of them. Measures delivery latency, loss
// and duplication when the edges route many distinct streams (per-stream
// subscription fan-in, NATS interest, history) rather than one hot stream.
//
// Design. Herald authorizes per account, so a stream can only be shared by
// sockets of the same account. VU i therefore belongs to account
// `<HERALD_ACCOUNT>-g<i % GROUPS>` and subscribes, on one socket:
//   - its own stream: AiStreamingChannel {conversation_id: "<HERALD_ACCOUNT>-own-<i>"}
//     → `ai_streaming:conversation:<HERALD_ACCOUNT>-own-<i>` (live only); setup()
//     registers the conversation as owned by the VU's group account;
//   - its group's shared stream: TradingChannel → `trading:<HERALD_ACCOUNT>-g<g>`
//     (history), shared by the VUS/GROUPS sockets of that group.
// No stream is shared across accounts (Herald would forbid it).
// Every stream gets about RATE × DURATION / (VUS + GROUPS) events; keep that ≥ 2
// so that every socket sees events on both subscriptions (herald_fed).
//
// Env:
//   HERALD_URL          http(s) base of an edge (default http://127.0.0.1:8080); ws(s) is derived
//   HERALD_URLS         optional comma list of edges; subscriber VUs are spread round-robin over
//                       them, each publisher VU sticks to one of them
//   HERALD_JWT_SECRET   the edges' HS256 secret (required, ≥ 32 bytes)
//   HERALD_API_KEY      producer API key (required: publishing, owner registration)
//   HERALD_ACCOUNT      prefix of the account and conversation ids (default k6)
//   VUS=20              subscriber sockets (= own streams)
//   GROUPS=4            shared streams (accounts)
//   RATE=50             events per second over all streams
//   DURATION=10         seconds of publishing
//   WARMUP=3  DRAIN=2   seconds before / after the publishing
//   PUB_VUS=2           pre-allocated publisher VUs (max 4×)
//   CONNECT_P95_MS=1000  DELIVERY_P95_MS=500  DELIVERY_P99_MS=1500  MAX_ERROR_RATE=0.01  (thresholds)
//
//   k6 run -e HERALD_URL=https://herald.example.com -e HERALD_JWT_SECRET=… -e HERALD_API_KEY=… \
//          -e VUS=5000 -e GROUPS=100 -e RATE=500 -e DURATION=120 -e WARMUP=30 loadtest/k6/many-streams.js
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
const PLAN = fanOutPlan({ rate: 50, publisherVus: 2 });
const VUS = num('VUS', 20);
const GROUPS = Math.max(1, Math.min(num('GROUPS', 4), VUS));

const groupAccount = (i) => `${ACCOUNT}-g${i % GROUPS}`;
const ownConversation = (i) => `${ACCOUNT}-own-${i}`;
// Interleaved own and shared streams, so that the round-robin touches the shared ones regularly.
const STREAMS = [];
for (let i = 0; i < Math.max(VUS, GROUPS); i++) {
  if (i < VUS) STREAMS.push(`ai_streaming:conversation:${ownConversation(i)}`);
  if (i < GROUPS) STREAMS.push(`trading:${groupAccount(i)}`);
}

export const options = {
  setupTimeout: secs(60 + VUS / 50),
  scenarios: PLAN.scenarios(VUS),
  thresholds: { ...baseThresholds(), ...deliveryThresholds() },
};

export function setup() {
  setOwners(
    'ai_conversation',
    Array.from({ length: VUS }, (_, i) => ({ id: ownConversation(i), account: groupAccount(i) })),
  );
  return newRun();
}

export function subscriber(data) {
  const i = subscriberIndex();
  subscribeAndHold(data, {
    index: i,
    sub: `k6-many-${i}`,
    account: groupAccount(i),
    subscriptions: [
      ['AiStreamingChannel', { conversation_id: ownConversation(i) }],
      ['TradingChannel', {}],
    ],
    holdSec: PLAN.holdSec,
    streams: [`ai_streaming:conversation:${ownConversation(i)}`, `trading:${groupAccount(i)}`], // fed = events on both
  });
}

export function publisher(data) {
  publish(data, STREAMS[exec.scenario.iterationInTest % STREAMS.length]);
}
