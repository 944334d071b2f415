import client from 'prom-client';

/**
 * One child per label value, looked up once: `inc({ label })` makes prom-client hash the label
 * object on every call, and these run per connect, per frame and per fan-out. Label values are
 * bounded sets, so the cache is too.
 */
function byLabel<C>(metric: { labels(value: string): C }): (value: string) => C {
  const children = new Map<string, C>();
  return (value) => {
    let child = children.get(value);
    if (!child) children.set(value, (child = metric.labels(value)));
    return child;
  };
}

/**
 * Edge metrics, prefix `herald_`. Labels are bounded sets (dialect, reason,
 * code, outcome): never a user, account, channel parameter or stream name.
 */
export function createEdgeMetrics(registry: client.Registry = new client.Registry()) {
  client.collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });
  const connections = new client.Gauge({ name: 'herald_connections', help: 'Open client connections', labelNames: ['dialect'], registers: [registry] });
  const subscriptions = new client.Gauge({ name: 'herald_subscriptions', help: 'Active client subscriptions', registers: [registry] });
  const streams = new client.Gauge({ name: 'herald_streams_active', help: 'Streams this process holds a bus subscription for', registers: [registry] });
  const messagesIn = new client.Counter({ name: 'herald_messages_in_total', help: 'Frames received from clients', labelNames: ['dialect'], registers: [registry] });
  const deliveries = new client.Counter({ name: 'herald_messages_out_total', help: 'Event frames delivered to sockets (fan-out count)', registers: [registry] });
  const fanouts = new client.Counter({ name: 'herald_fanouts_total', help: 'Events fanned out (one per event per stream)', registers: [registry] });
  const published = new client.Counter({ name: 'herald_published_total', help: 'Events accepted for publishing, per target stream', labelNames: ['history'], registers: [registry] });
  const authFailures = new client.Counter({ name: 'herald_auth_failures_total', help: 'Refused upgrades and API calls', labelNames: ['reason'], registers: [registry] });
  const upgradeTokenChecks = new client.Counter({
    name: 'herald_upgrade_token_checks_total',
    help: 'WebSocket upgrades by where their token was checked: in_handler (key at hand) or after_io (a JWKS fetch or first key selection; the upgrade then completes later, on uWS\'s corked path)',
    labelNames: ['path'],
    registers: [registry],
  });
  const closes = new client.Counter({ name: 'herald_closes_total', help: 'Closed client connections by close code', labelNames: ['code'], registers: [registry] });
  const rejected = new client.Counter({ name: 'herald_subscriptions_rejected_total', help: 'Subscriptions refused', labelNames: ['reason'], registers: [registry] });
  const actions = new client.Counter({ name: 'herald_actions_total', help: 'Client actions performed', labelNames: ['outcome'], registers: [registry] });
  const encodedFrames = new client.Counter({
    name: 'herald_frames_encoded_total',
    help: 'Event frames encoded for fan-out (once per event per stream per dialect lane, never per socket)',
    labelNames: ['dialect'],
    registers: [registry],
  });
  const gaps = new client.Counter({ name: 'herald_bus_gaps_total', help: 'Gaps detected on bus subscriptions', labelNames: ['repaired'], registers: [registry] });
  const fanoutLatency = new client.Histogram({
    name: 'herald_fanout_latency_seconds',
    help: 'Time from the bus accepting an event to its fan-out on this edge',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const connectionsOf = byLabel(connections);
  const closesOf = byLabel(closes);
  const authFailuresOf = byLabel(authFailures);
  const publishedOf = byLabel(published);
  const messagesInOf = byLabel(messagesIn);
  const rejectedOf = byLabel(rejected);
  const actionsOf = byLabel(actions);
  const encodedOf = byLabel(encodedFrames);
  const gapsOf = byLabel(gaps);
  const upgradeTokenChecksOf = byLabel(upgradeTokenChecks);

  return {
    registry,
    connectionOpened: (dialect: string) => connectionsOf(dialect).inc(),
    connectionClosed: (dialect: string, code: number) => {
      connectionsOf(dialect).dec();
      closesOf(String(code)).inc();
    },
    authFailure: (reason: string) => authFailuresOf(reason).inc(),
    upgradeTokenCheck: (path: 'in_handler' | 'after_io') => upgradeTokenChecksOf(path).inc(),
    published: (history: boolean) => publishedOf(String(history)).inc(),
    // SessionMetrics
    messageIn: (dialect: string) => messagesInOf(dialect).inc(),
    subscriptions: (delta: number) => subscriptions.inc(delta),
    rejected: (reason: string) => rejectedOf(reason).inc(),
    actions: (outcome: 'ok' | 'error') => actionsOf(outcome).inc(),
    // HubMetrics
    delivered: (sockets: number, latencyMs: number) => {
      fanouts.inc();
      if (sockets > 0) deliveries.inc(sockets);
      fanoutLatency.observe(Math.max(0, latencyMs) / 1000);
    },
    encoded: (dialect: string) => encodedOf(dialect).inc(),
    streamsChanged: (active: number) => streams.set(active),
    gap: (repaired: boolean) => gapsOf(String(repaired)).inc(),
    /**
     * After the edge's warm-up (its connects to itself before it listens): what those sockets
     * counted is forgotten, so dashboards see only clients. The cached label children stay
     * valid: prom-client's children write into the metric's current values.
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
