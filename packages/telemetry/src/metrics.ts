import client from 'prom-client';

/** One label value's count (or a gauge's change) since the last scrape. */
interface Cell {
  n: number;
}

type Kind = 'counter' | 'gauge';

/**
 * A counter, or a gauge moved by deltas, counted in plain cells and handed to prom-client when it
 * is scraped (its `collect` hook). A prom-client child hashes its label object and looks the hash
 * up in a dictionary on every `inc` (`labels()` only binds the object), and these counts move per
 * connect, per frame and per fan-out: in a connect storm's CPU profile that was 2.7 µs of the
 * edge's 86 µs of busy main thread per connect (docs/benchmarks/connect-dependencies.md).
 * Label values are bounded sets (dialect, code, reason), so the cells are too.
 */
function tallied(registry: client.Registry, kind: Kind, name: string, help: string, label?: string) {
  const cells = new Map<string, Cell>();
  const collect = (): void => {
    for (const [value, cell] of cells) {
      if (cell.n === 0) continue;
      if (label) metric.inc({ [label]: value }, cell.n);
      else metric.inc(cell.n);
      cell.n = 0;
    }
  };
  const config = { name, help, labelNames: label ? [label] : [], registers: [registry], collect };
  const metric: client.Counter | client.Gauge = kind === 'counter' ? new client.Counter(config) : new client.Gauge(config);
  return {
    /** The cell of `value` (`''` when unlabelled): one Map lookup per update, nothing hashed. */
    of(value = ''): Cell {
      let cell = cells.get(value);
      if (!cell) cells.set(value, (cell = { n: 0 }));
      return cell;
    },
    /** Forgets what was counted; cells stay valid. */
    reset(): void {
      for (const cell of cells.values()) cell.n = 0;
      metric.reset();
    },
  };
}

/**
 * Edge metrics, prefix `herald_`. Labels are bounded sets (dialect, reason,
 * code, outcome): never a user, account, channel parameter or stream name.
 */
export function createEdgeMetrics(registry: client.Registry = new client.Registry()) {
  client.collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });
  const t = (kind: Kind, name: string, help: string, label?: string) => tallied(registry, kind, name, help, label);
  const connections = t('gauge', 'herald_connections', 'Open client connections', 'dialect');
  const subscriptions = t('gauge', 'herald_subscriptions', 'Active client subscriptions');
  const streams = new client.Gauge({ name: 'herald_streams_active', help: 'Streams this process holds a bus subscription for', registers: [registry] });
  const messagesIn = t('counter', 'herald_messages_in_total', 'Frames received from clients', 'dialect');
  const deliveries = t('counter', 'herald_messages_out_total', 'Event frames delivered to sockets (fan-out count)');
  const fanouts = t('counter', 'herald_fanouts_total', 'Events fanned out (one per event per stream)');
  const published = t('counter', 'herald_published_total', 'Events accepted for publishing, per target stream', 'history');
  const authFailures = t('counter', 'herald_auth_failures_total', 'Refused upgrades and API calls', 'reason');
  const upgradeTokenChecks = t(
    'counter',
    'herald_upgrade_token_checks_total',
    'WebSocket upgrades by where their token was checked: in_handler (key at hand) or after_io (a JWKS fetch or first key selection; the upgrade then completes later, on uWS\'s corked path)',
    'path',
  );
  const closes = t('counter', 'herald_closes_total', 'Closed client connections by close code', 'code');
  const rejected = t('counter', 'herald_subscriptions_rejected_total', 'Subscriptions refused', 'reason');
  const actions = t('counter', 'herald_actions_total', 'Client actions performed', 'outcome');
  const encodedFrames = t('counter', 'herald_frames_encoded_total', 'Event frames encoded for fan-out (once per event per stream per dialect lane, never per socket)', 'dialect');
  const gaps = t('counter', 'herald_bus_gaps_total', 'Gaps detected on bus subscriptions', 'repaired');
  const fanoutLatency = new client.Histogram({
    name: 'herald_fanout_latency_seconds',
    help: 'Time from the bus accepting an event to its fan-out on this edge',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  return {
    registry,
    connectionOpened: (dialect: string) => void connections.of(dialect).n++,
    connectionClosed: (dialect: string, code: number) => {
      connections.of(dialect).n--;
      closes.of(String(code)).n++;
    },
    authFailure: (reason: string) => void authFailures.of(reason).n++,
    upgradeTokenCheck: (path: 'in_handler' | 'after_io') => void upgradeTokenChecks.of(path).n++,
    published: (history: boolean) => void published.of(String(history)).n++,
    // SessionMetrics
    messageIn: (dialect: string) => void messagesIn.of(dialect).n++,
    subscriptions: (delta: number) => void (subscriptions.of().n += delta),
    rejected: (reason: string) => void rejected.of(reason).n++,
    actions: (outcome: 'ok' | 'error') => void actions.of(outcome).n++,
    // HubMetrics
    delivered: (sockets: number, latencyMs: number) => {
      fanouts.of().n++;
      deliveries.of().n += sockets;
      fanoutLatency.observe(Math.max(0, latencyMs) / 1000);
    },
    encoded: (dialect: string) => void encodedFrames.of(dialect).n++,
    streamsChanged: (active: number) => streams.set(active),
    gap: (repaired: boolean) => void gaps.of(String(repaired)).n++,
    /**
     * After the edge's warm-up (its connects to itself before it listens): what those sockets
     * counted is forgotten, so dashboards see only clients.
     */
    resetConnectionCounters: () => {
      for (const metric of [connections, subscriptions, messagesIn, upgradeTokenChecks, closes, authFailures, rejected]) metric.reset();
    },
  };
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;

/** Authz service metrics, prefix `herald_authz_`; outcome is `decided` (an allow or deny) or `error`. */
export function createAuthzMetrics(registry: client.Registry = new client.Registry()) {
  client.collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });
  const checks = new client.Counter({ name: 'herald_authz_checks_total', help: 'Subscription checks answered', labelNames: ['outcome'], registers: [registry] });
  const duration = new client.Histogram({
    name: 'herald_authz_check_duration_seconds',
    help: 'Time to answer a check (rule evaluation and ownership lookups)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  return {
    registry,
    checked(outcome: 'decided' | 'error', seconds: number): void {
      checks.inc({ outcome });
      duration.observe(seconds);
    },
  };
}

export type AuthzMetrics = ReturnType<typeof createAuthzMetrics>;
