// idle.js — many mostly idle sockets: each VU opens one socket, subscribes
// once (TradingChannel) and holds it for HOLD seconds, answering heartbeats
// with application pings. Measures what it costs to get a socket going and to
// keep it (connect time, subscribe time, ping round trips, errors).
//
// Env:
//   HERALD_URL          http(s) base of an edge (default http://127.0.0.1:8080); ws(s) is derived
//   HERALD_URLS         optional comma list of edges; VUs are spread round-robin over them
//   HERALD_JWT_SECRET   the edges' HS256 secret (required, ≥ 32 bytes)
//   HERALD_ACCOUNT      account id in the tokens (default k6)
//   VUS=10              sockets (one per VU)
//   HOLD=10             seconds each socket stays open after its welcome
//   RAMP=0              seconds over which the connects are spread (0 = all at once)
//   ACCOUNTS=1          spread the sockets over this many accounts (<HERALD_ACCOUNT>-<n>)
//   PING_S=0            ping interval in seconds (0 = the welcome's heartbeat)
//   CONNECT_P95_MS=1000  SUBSCRIBE_P95_MS=500  PONG_P95_MS=500  MAX_ERROR_RATE=0.01  (thresholds)
//
//   k6 run -e HERALD_URL=https://herald.example.com -e HERALD_JWT_SECRET=… -e VUS=5000 -e RAMP=60 -e HOLD=300 loadtest/k6/idle.js
import { ACCOUNT, baseThresholds, connect, edgeFor, mintToken, num, requireSecret, secs, subscriberIndex } from './lib/herald.js';

requireSecret();
const VUS = num('VUS', 10);
const HOLD = num('HOLD', 10);
const RAMP = num('RAMP', 0);
const ACCOUNTS = num('ACCOUNTS', 1);

export const options = {
  scenarios: {
    idle: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: secs(RAMP + HOLD + 60), gracefulStop: '10s' },
  },
  thresholds: {
    ...baseThresholds(),
    herald_subscribe_ms: [`p(95)<${num('SUBSCRIBE_P95_MS', 500)}`],
    herald_pong_ms: [`p(95)<${num('PONG_P95_MS', 500)}`],
  },
};

export default function () {
  const i = subscriberIndex();
  const account = ACCOUNTS > 1 ? `${ACCOUNT}-${i % ACCOUNTS}` : ACCOUNT;
  const start = () => {
    let hold;
    connect({
      edge: edgeFor(i),
      token: mintToken({ sub: `k6-idle-${i}`, account }),
      onWelcome(conn) {
        conn.subscribe('TradingChannel', {}, undefined, (reply) => {
          if (reply.type !== 'subscribed') return conn.close();
          conn.ping(); // one round trip right away, then on the heartbeat
        });
        hold = setTimeout(() => conn.close(), HOLD * 1000);
      },
      onClose() {
        if (hold !== undefined) clearTimeout(hold);
      },
    });
  };
  const delay = RAMP > 0 ? (i * RAMP * 1000) / VUS : 0;
  if (delay > 0) setTimeout(start, delay);
  else start();
}
