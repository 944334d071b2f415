import type { Producer, PublishInput, PublishResult } from '@herald/producer';
import { waitFor as waitUntil } from '../../../test/support/wait.js';

/** A test double of the Producer interface: records publishes and ownership. */
export class RecordingProducer implements Producer {
  readonly published: PublishInput[] = [];
  readonly owners = new Map<string, string>();
  /** Publishes for which this returns true throw instead of being recorded. */
  failWhen: (input: PublishInput) => boolean = () => false;

  async publish(input: PublishInput): Promise<PublishResult> {
    await new Promise((r) => setImmediate(r)); // like a real bus: resolves later
    if (this.failWhen(input)) throw new Error('bus unavailable');
    this.published.push(input);
    return { streams: input.streams.map((stream) => ({ stream, offset: this.published.length, epoch: 'test' })) };
  }

  async setOwner(resourceType: string, resourceId: string, accountId: string): Promise<void> {
    this.owners.set(`${resourceType}/${resourceId}`, accountId);
  }

  on(prefix: string): PublishInput[] {
    return this.published.filter((p) => p.streams.some((s) => s.startsWith(prefix)));
  }
}

/** The shared poller, in this package's argument order. */
export const waitFor = (check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<unknown> => waitUntil(what, check, timeoutMs);
