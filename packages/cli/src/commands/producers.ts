import { loadNatsSettings, EnvReader, ConfigError } from '@herald/config';
import { registerConversationHandlers, startDemoProducers } from '@herald/demo';
import { BackendServer, connectProducer } from '@herald/producer';
import { createLogger } from '@herald/telemetry';
import { runUntilSignal } from './lifecycle.js';

/**
 * The demo producers (missions, pipelines, git job logs, agents…) publishing through the producer SDK over NATS,
 * and the reference backend answering client actions (`AiConversationChannel.send_message`) over NATS request/reply.
 */
export async function producersCommand(_args: string[]): Promise<number> {
  const nats = loadNatsSettings(process.env);
  const r = new EnvReader(process.env);
  const accountId = r.string('HERALD_DEMO_ACCOUNT', 'demo') as string;
  const intervalMs = r.duration('HERALD_DEMO_INTERVAL', 1_500, 'ms', 10, 3_600_000);
  if (r.problems.length) throw new ConfigError(r.problems);
  const log = createLogger({ base: { service: 'herald-producers' } });
  const producer = await connectProducer({ ...nats, name: 'herald-demo-producers' });
  const warn = (msg: string, fields?: object): void => log.warn(msg, fields as Record<string, unknown>);
  const demo = startDemoProducers(producer, { accountId, intervalMs, log: warn });
  log.info('demo producers publishing', { account: accountId, intervalMs });
  const backend = new BackendServer(producer.connection, { onError: warn });
  const conversations = registerConversationHandlers(backend, producer, { log: warn });
  await backend.ready();
  log.info('serving client actions over NATS', { actions: ['AiConversationChannel.send_message'] });
  return runUntilSignal(log, async () => {
    await backend.close();
    await conversations.drain();
    await demo.stop();
    await producer.close();
  });
}
