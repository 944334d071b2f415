import { loadNatsSettings, EnvReader, ConfigError } from '@herald/config';
import { startDemoProducers } from '@herald/demo';
import { connectProducer } from '@herald/producer';
import { createLogger } from '@herald/telemetry';
import { runUntilSignal } from './lifecycle.js';

/** The demo producers (missions, pipelines, git job logs, agents…) publishing through the producer SDK over NATS. */
export async function producersCommand(_args: string[]): Promise<number> {
  const nats = loadNatsSettings(process.env);
  const r = new EnvReader(process.env);
  const accountId = r.string('HERALD_DEMO_ACCOUNT', 'demo') as string;
  const intervalMs = r.duration('HERALD_DEMO_INTERVAL', 1_500, 'ms', 10, 3_600_000);
  if (r.problems.length) throw new ConfigError(r.problems);
  const log = createLogger({ base: { service: 'herald-producers' } });
  const producer = await connectProducer({ ...nats, name: 'herald-demo-producers' });
  const demo = startDemoProducers(producer, { accountId, intervalMs, log: (msg: string, fields?: object) => log.warn(msg, fields as Record<string, unknown>) });
  log.info('demo producers publishing', { account: accountId, intervalMs });
  return runUntilSignal(log, async () => {
    await demo.stop();
    await producer.close();
  });
}
