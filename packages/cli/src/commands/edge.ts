import { loadEdgeConfig } from '@herald/config';
import { startClusterEdge } from '@herald/edge';
import { createLogger } from '@herald/telemetry';
import { runUntilSignal } from './lifecycle.js';

/** A cluster-mode edge pod (NATS_URL required) until SIGINT/SIGTERM, then drain and exit. */
export async function edgeCommand(_args: string[]): Promise<number> {
  const config = loadEdgeConfig(process.env, { demo: false });
  const log = createLogger({ base: { service: 'herald-edge', mode: 'cluster' } });
  const edge = await startClusterEdge(config, log);
  return runUntilSignal(log, async () => {
    await edge.server.drain();
    await edge.stop();
  });
}
