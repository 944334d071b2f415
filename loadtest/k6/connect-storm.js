// connect-storm.js — a reconnect storm: every VU connects at the same moment
// (one iteration each, all VUs started together), waits for the welcome,
// optionally subscribes, holds briefly and leaves. Measures connect latency
// under a burst (token verification, upgrade, session setup) and the share of
// connections that succeed.
//
// Env:
//   HERALD_URL          http(s) base of an edge (default http://127.0.0.1:8080); ws(s) is derived
//   HERALD_URLS         optional comma list of edges; VUs are spread round-robin over them
//   HERALD_JWT_SECRET   the edges' HS256 secret (required, ≥ 32 bytes)
//   HERALD_ACCOUNT      account id in the tokens (default k6)
//   VUS=50              simultaneous connections
//   HOLD=2              seconds each socket stays open after its welcome
//   SUBSCRIBE=1         0 = connect only, no TradingChannel subscription
//   CONNECT_P95_MS=1000  CONNECT_P99_MS=3000  MIN_CONNECTED_RATE=0.99  MAX_ERROR_RATE=0.01  (thresholds)
//
//   k6 run -e HERALD_URLS=https://edge-a.example.com,https://edge-b.example.com -e HERALD_JWT_SECRET=… -e VUS=2000 loadtest/k6/connect-storm.js
import { ACCOUNT, baseThresholds, connect, edgeFor, env, mintToken, num, requireSecret, secs, subscriberIndex } from './lib/herald.js';

requireSecret();
const VUS = num('VUS', 50);
const HOLD = num('HOLD', 2);
const SUBSCRIBE = env('SUBSCRIBE', '1') !== '0';

export const options = {
  scenarios: {
    storm: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: secs(HOLD + 60), gracefulStop: '10s' },
  },
  thresholds: {
    ...baseThresholds(),
    herald_connect_ms: [`p(95)<${num('CONNECT_P95_MS', 1000)}`, `p(99)<${num('CONNECT_P99_MS', 3000)}`],
    ...(SUBSCRIBE ? { herald_subscribe_ms: [`p(95)<${num('SUBSCRIBE_P95_MS', 1000)}`] } : {}),
  },
};

export default function () {
  const i = subscriberIndex();
  // Tokens are minted before the socket opens so the storm is only connects.
  const token = mintToken({ sub: `k6-storm-${i}`, account: ACCOUNT });
  let hold;
  connect({
    edge: edgeFor(i),
    token,
    onWelcome(conn) {
      if (SUBSCRIBE) {
        conn.subscribe('TradingChannel', {}, undefined, (reply) => {
          if (reply.type !== 'subscribed') conn.close();
        });
      }
      hold = setTimeout(() => conn.close(), HOLD * 1000);
    },
    onClose() {
      if (hold !== undefined) clearTimeout(hold);
    },
  });
}
