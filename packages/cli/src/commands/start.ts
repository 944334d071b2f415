import { loadEdgeConfig } from '@herald/config';
import { startEmbedded } from '@herald/edge';
import { createLogger } from '@herald/telemetry';

/** Embedded mode until SIGINT/SIGTERM, then drain and exit. */
export async function startCommand(_args: string[]): Promise<number> {
  const config = loadEdgeConfig(process.env, { demo: true });
  const log = createLogger({ base: { service: 'herald', mode: 'embedded' } });
  const embedded = await startEmbedded(config, log);
  process.stderr.write(`\n  Herald is running: open http://localhost:${embedded.server.port}/\n\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.exit(130); // a second Ctrl-C means now
      }
      stopping = true;
      log.info('shutting down', { signal });
      void embedded.server
        .drain()
        .then(() => embedded.stop())
        .then(resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
