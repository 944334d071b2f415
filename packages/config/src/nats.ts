import { ConfigError, EnvReader, type Env } from './env.js';

/** How a cluster-mode process reaches NATS and what it asks of JetStream. */
export interface NatsSettings {
  /** Comma-separated server URLs; the client fails over between them. */
  readonly servers: string;
  readonly token: string | undefined;
  readonly user: string | undefined;
  readonly pass: string | undefined;
  readonly jetstream: {
    readonly stream: string;
    readonly storage: 'file' | 'memory';
    readonly replicas: number;
  };
  /** Replicas of the KV buckets (herald_owners, herald_revoked). */
  readonly kvReplicas: number;
  readonly authzCacheSize: number;
}

/** NATS settings from `NATS_URL` and friends; undefined when `NATS_URL` is not set (embedded mode). */
export function readNatsSettings(r: EnvReader): NatsSettings | undefined {
  const servers = r.string('NATS_URL');
  const storage = r.string('HERALD_JETSTREAM_STORAGE', 'file') as string;
  r.check(storage === 'file' || storage === 'memory', `HERALD_JETSTREAM_STORAGE: must be file or memory (got ${JSON.stringify(storage)})`);
  const replicas = r.int('HERALD_JETSTREAM_REPLICAS', 1, 1, 5);
  const settings: NatsSettings = {
    servers: servers ?? '',
    token: r.string('NATS_TOKEN'),
    user: r.string('NATS_USER'),
    pass: r.string('NATS_PASSWORD'),
    jetstream: { stream: r.string('HERALD_JETSTREAM_STREAM', 'HERALD_EVENTS') as string, storage: storage as 'file' | 'memory', replicas },
    kvReplicas: r.int('HERALD_KV_REPLICAS', replicas, 1, 5),
    authzCacheSize: r.int('HERALD_AUTHZ_CACHE_SIZE', 100_000, 0, 10_000_000),
  };
  if (servers !== undefined) {
    for (const url of servers.split(',')) r.check(/^(nats|tls|wss?):\/\/[^\s,]+$/.test(url.trim()), `NATS_URL: ${url.trim()} is not a URL like nats://host:4222`);
  }
  return servers === undefined ? undefined : settings;
}

/** For processes that only make sense on NATS (`herald authz`, `herald producers`). */
export function loadNatsSettings(env: Env = process.env): NatsSettings {
  const r = new EnvReader(env);
  const settings = readNatsSettings(r);
  if (!settings) r.problems.push('NATS_URL: required (e.g. nats://127.0.0.1:4222)');
  if (r.problems.length || !settings) throw new ConfigError(r.problems);
  return settings;
}
