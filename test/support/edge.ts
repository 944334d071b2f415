import { signDevToken, type DevTokenOptions } from '@herald/auth';
import { loadEdgeConfig } from '@herald/config';
import { startEmbedded, type Embedded } from '@herald/edge';
import { createLogger, type Logger } from '@herald/telemetry';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256!!';
export const API_KEY = 'test-api-key-0123456789';

export interface TestEdge extends Embedded {
  readonly port: number;
  readonly http: string;
  readonly ws: string;
  token(opts: Partial<DevTokenOptions> & { sub?: string }): Promise<string>;
  publish(streams: string[], event: string, payload?: unknown): Promise<{ streams: { stream: string; offset: number; epoch: string }[] }>;
}

/**
 * A real embedded edge on a free loopback port. `development: true` leaves out
 * the secret and API key, as `npm start` on a laptop does; `log` replaces the silent logger.
 */
export async function startTestEdge(env: Record<string, string> = {}, options: { development?: boolean; log?: Logger } = {}): Promise<TestEdge> {
  const config = loadEdgeConfig({
    HERALD_HOST: '127.0.0.1',
    HERALD_PORT: '0',
    ...(options.development ? {} : { HERALD_JWT_SECRET: SECRET, HERALD_API_KEY: API_KEY }),
    HERALD_DEMO: 'false',
    HERALD_CONSOLE: 'false',
    HERALD_DRAIN_TIMEOUT: '0',
    ...env,
  });
  const log = options.log ?? createLogger({ level: (process.env['HERALD_TEST_LOG'] as 'debug' | undefined) ?? 'silent' });
  const embedded = await startEmbedded(config, log);
  const port = embedded.server.port;
  const http = `http://127.0.0.1:${port}`;
  return Object.assign(embedded, {
    port,
    http,
    ws: `ws://127.0.0.1:${port}`,
    token: (opts: Partial<DevTokenOptions> & { sub?: string }) => signDevToken({ secret: SECRET, sub: 'u1', account: 'acct-1', ...opts }),
    async publish(streams: string[], event: string, payload: unknown = {}) {
      const res = await fetch(`${http}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ streams, event, payload }),
      });
      if (!res.ok) throw new Error(`publish failed ${res.status}: ${await res.text()}`);
      return (await res.json()) as { streams: { stream: string; offset: number; epoch: string }[] };
    },
  });
}
