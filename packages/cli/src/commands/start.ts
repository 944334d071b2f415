import { loadEdgeConfig } from '@herald/config';
import { startEmbedded } from '@herald/edge';
import { createLogger } from '@herald/telemetry';
import { runUntilSignal } from './lifecycle.js';

/** Embedded mode until SIGINT/SIGTERM, then drain and exit. */
export async function startCommand(_args: string[]): Promise<number> {
  const config = loadEdgeConfig(process.env, { demo: true });
  const log = createLogger({ base: { service: 'herald', mode: 'embedded' } });
  const embedded = await startEmbedded(config, log);
  process.stderr.write(`\n  Herald is running: open http://localhost:${embedded.server.port}/\n\n`);
  return runUntilSignal(log, async () => {
    await embedded.server.drain();
    await embedded.stop();
  });
}
