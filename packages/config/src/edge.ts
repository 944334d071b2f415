import { readFileSync } from 'node:fs';
import { ConfigError, EnvReader, type Env } from './env.js';
import { readNatsSettings, type NatsSettings } from './nats.js';

/**
 * Known to everyone, so `herald token` and the console work out of the box;
 * only ever used when no key is configured, and loudly logged then.
 */
export const DEVELOPMENT_SECRET = 'herald-development-secret-not-for-production-use';

export interface EdgeConfig {
  readonly host: string;
  readonly port: number;
  /** Listen sockets sharing the port (SO_REUSEPORT), each with its own accept queue. */
  readonly listenSockets: number;
  /** Connects the edge makes to itself, on a loopback-only port, before it listens: V8 has then compiled the connect path (0 = none). */
  readonly warmupConnects: number;
  readonly auth: {
    readonly secret: string | undefined;
    readonly publicKeyPem: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly algorithms: string[] | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    readonly clockToleranceSec: number;
    readonly claims: { user: string; account: string; permissions: string; session: string; apiToken: string; kind: string };
    /** True when no key was configured and the development secret is in use. */
    readonly developmentSecret: boolean;
  };
  /** Empty = same-origin only; `*` = any origin. Requests without Origin are always allowed. */
  readonly allowedOrigins: readonly string[];
  readonly apiKey: string | undefined;
  readonly limits: {
    readonly maxFrameBytes: number;
    readonly maxSubscriptions: number;
    readonly rateLimitPerSec: number;
    readonly rateLimitBurst: number;
    /** Broadcast actions (typing indicators) per connection per second; more are answered `rate_limited`. */
    readonly broadcastActionsPerSec: number;
    readonly maxPendingCommands: number;
    readonly maxBackpressureBytes: number;
    readonly idleTimeoutSec: number;
    readonly heartbeatSec: number;
    readonly maxConnections: number;
    readonly authzTimeoutMs: number;
    readonly actionTimeoutMs: number;
    readonly maxPublishBytes: number;
  };
  readonly history: { readonly maxPerStream: number; readonly maxAgeMs: number; readonly maxStreams: number };
  readonly drainMs: number;
  readonly demo: { readonly enabled: boolean; readonly accountId: string; readonly intervalMs: number };
  readonly console: boolean;
  /** How long a revocation blocks reconnects; at least the longest token lifetime. */
  readonly revocationTtlMs: number;
  /** Set (from NATS_URL) in cluster mode. */
  readonly nats: NatsSettings | undefined;
}

/** Read and validate the edge configuration; throws ConfigError listing every bad value. */
export function loadEdgeConfig(env: Env = process.env, defaults: { demo?: boolean } = {}): EdgeConfig {
  const r = new EnvReader(env);
  const secret = r.string('HERALD_JWT_SECRET');
  let publicKeyPem = r.string('HERALD_JWT_PUBLIC_KEY');
  const publicKeyFile = r.string('HERALD_JWT_PUBLIC_KEY_FILE');
  if (!publicKeyPem && publicKeyFile) {
    try {
      publicKeyPem = readFileSync(publicKeyFile, 'utf8');
    } catch (err) {
      r.problems.push(`HERALD_JWT_PUBLIC_KEY_FILE: cannot read ${publicKeyFile}: ${(err as Error).message}`);
    }
  }
  const jwksUrl = r.string('HERALD_JWKS_URL');
  if (jwksUrl) r.check(/^https?:\/\//.test(jwksUrl), `HERALD_JWKS_URL: must be an http(s) URL (got ${JSON.stringify(jwksUrl)})`);
  if (secret) r.check(Buffer.byteLength(secret) >= 32, 'HERALD_JWT_SECRET: must be at least 32 bytes');
  if (publicKeyPem) r.check(publicKeyPem.includes('-----BEGIN PUBLIC KEY-----'), 'HERALD_JWT_PUBLIC_KEY: must be a PEM (SPKI) public key');
  const developmentSecret = !secret && !publicKeyPem && !jwksUrl;
  const algorithms = r.list('HERALD_JWT_ALGORITHMS');
  const allowedAlgs = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
  for (const a of algorithms) r.check(allowedAlgs.includes(a), `HERALD_JWT_ALGORITHMS: unknown algorithm ${a} (allowed: ${allowedAlgs.join(', ')})`);
  const origins = r.list('HERALD_ALLOWED_ORIGINS');
  for (const o of origins) r.check(o === '*' || /^https?:\/\/[^/]+$/.test(o), `HERALD_ALLOWED_ORIGINS: ${o} is not an origin like https://app.example.com`);
  const apiKey = r.string('HERALD_API_KEY');
  if (apiKey) r.check(apiKey.length >= 16, 'HERALD_API_KEY: must be at least 16 characters');

  const config: EdgeConfig = {
    host: r.string('HERALD_HOST', '0.0.0.0'),
    port: r.int('HERALD_PORT', 8080, 0, 65535),
    listenSockets: r.int('HERALD_LISTEN_SOCKETS', 4, 1, 64),
    warmupConnects: r.int('HERALD_WARMUP_CONNECTS', 0, 0, 10_000),
    auth: {
      secret: secret ?? (developmentSecret ? DEVELOPMENT_SECRET : undefined),
      publicKeyPem,
      jwksUrl,
      algorithms: algorithms.length ? algorithms : undefined,
      issuer: r.string('HERALD_JWT_ISSUER'),
      audience: r.string('HERALD_JWT_AUDIENCE'),
      clockToleranceSec: r.int('HERALD_JWT_CLOCK_TOLERANCE', 5, 0, 300),
      claims: {
        user: r.string('HERALD_CLAIM_USER', 'sub'),
        account: r.string('HERALD_CLAIM_ACCOUNT', 'account_id'),
        permissions: r.string('HERALD_CLAIM_PERMISSIONS', 'permissions'),
        session: r.string('HERALD_CLAIM_SESSION', 'sid'),
        apiToken: r.string('HERALD_CLAIM_API_TOKEN', 'api_token_id'),
        kind: r.string('HERALD_CLAIM_KIND', 'kind'),
      },
      developmentSecret,
    },
    allowedOrigins: origins,
    apiKey,
    limits: {
      maxFrameBytes: r.int('HERALD_MAX_FRAME_BYTES', 64 * 1024, 512, 16 * 1024 * 1024),
      maxSubscriptions: r.int('HERALD_MAX_SUBSCRIPTIONS', 100, 1, 10_000),
      rateLimitPerSec: r.int('HERALD_RATE_LIMIT', 50, 1, 100_000),
      rateLimitBurst: r.int('HERALD_RATE_BURST', 100, 1, 100_000),
      broadcastActionsPerSec: r.int('HERALD_BROADCAST_ACTION_RATE', 5, 1, 1000),
      maxPendingCommands: r.int('HERALD_MAX_PENDING_COMMANDS', 32, 1, 10_000),
      maxBackpressureBytes: r.int('HERALD_MAX_BACKPRESSURE_BYTES', 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
      idleTimeoutSec: r.duration('HERALD_IDLE_TIMEOUT', 120_000, 's', 8_000, 960_000) / 1000,
      heartbeatSec: r.duration('HERALD_HEARTBEAT', 25_000, 's', 1_000, 600_000) / 1000,
      maxConnections: r.int('HERALD_MAX_CONNECTIONS', 0, 0, 10_000_000),
      authzTimeoutMs: r.duration('HERALD_AUTHZ_TIMEOUT', 2_000, 'ms', 10, 60_000),
      actionTimeoutMs: r.duration('HERALD_ACTION_TIMEOUT', 10_000, 'ms', 10, 300_000),
      maxPublishBytes: r.int('HERALD_MAX_PUBLISH_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
    history: {
      maxPerStream: r.int('HERALD_HISTORY_MAX_PER_STREAM', 1000, 1, 10_000_000),
      maxAgeMs: r.duration('HERALD_HISTORY_MAX_AGE', 24 * 3_600_000, 's', 1_000, 365 * 86_400_000),
      maxStreams: r.int('HERALD_HISTORY_MAX_STREAMS', 100_000, 1, 100_000_000),
    },
    drainMs: r.duration('HERALD_DRAIN_TIMEOUT', 10_000, 's', 0, 600_000),
    demo: {
      enabled: r.bool('HERALD_DEMO', defaults.demo ?? false),
      accountId: r.string('HERALD_DEMO_ACCOUNT', 'demo'),
      intervalMs: r.duration('HERALD_DEMO_INTERVAL', 1_500, 'ms', 10, 3_600_000),
    },
    console: r.bool('HERALD_CONSOLE', true),
    revocationTtlMs: r.duration('HERALD_REVOCATION_TTL', 24 * 3_600_000, 's', 1_000, 365 * 86_400_000),
    nats: readNatsSettings(r),
  };
  if (config.limits.idleTimeoutSec % 4 !== 0) r.problems.push('HERALD_IDLE_TIMEOUT: must be a multiple of 4 seconds (uWebSockets.js granularity)');
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}
