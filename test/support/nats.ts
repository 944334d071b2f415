import { after, before } from 'node:test';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { startLocalNats, type LocalNats, type LocalNatsOptions } from '@herald/local-nats';

export interface NatsFixture {
  /** The servers (available once the file's `before` hooks ran). */
  readonly nats: LocalNats;
  /** A new client connection, closed after the file's tests. */
  connect(options?: Partial<ConnectionOptions>): Promise<NatsConnection>;
}

/**
 * Real nats-server process(es) for one test file: started before its tests,
 * stopped after them, with every connection made through `connect` closed
 * first. Call at the top level of the file.
 */
export function useLocalNats(options: LocalNatsOptions = {}): NatsFixture {
  let nats: LocalNats | undefined;
  let starting: Promise<LocalNats> | undefined;
  const connections: NatsConnection[] = [];
  // node:test starts a file's top-level before hooks without waiting for one another: connect() waits for this.
  before(async () => {
    starting = startLocalNats(options);
    nats = await starting;
  });
  after(async () => {
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
    await nats?.stop();
  });
  return {
    get nats(): LocalNats {
      if (!nats) throw new Error('useLocalNats: servers not started yet (use it inside tests or hooks)');
      return nats;
    },
    async connect(o = {}) {
      if (!starting) throw new Error('useLocalNats: connect() before the servers were started');
      const nc = await connect({ servers: (await starting).urls.split(','), ...o });
      connections.push(nc);
      return nc;
    },
  };
}
