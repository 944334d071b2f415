import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MemoryOwnershipStore } from '@herald/authz';
import { MemoryBus } from '@herald/bus';
import { createCatalog } from '@herald/channels';
import { BusProducer } from '@herald/producer';
import { renderProducerTypes, TYPES_PATH, WRITE_COMMAND } from '../../../scripts/gen-producer-types.js';

test('channels.generated.ts matches the catalog', () => {
  assert.equal(readFileSync(TYPES_PATH, 'utf8'), renderProducerTypes(createCatalog()), `stale: run ${WRITE_COMMAND}`);
});

test('channel() names the streams a subscriber of that channel reads, and publishes to them', async () => {
  const bus = new MemoryBus();
  const producer = new BusProducer(bus, createCatalog(), new MemoryOwnershipStore());
  const target = producer.channel('AiOrchestrationChannel', { type: 'workflow_run', id: 'r-1' });
  assert.deepEqual(target.streams, ['ai_orchestration:workflow_run:r-1']);
  const result = await target.publish('workflow_run_updated', { status: 'running' });
  assert.equal(result.streams[0]!.stream, 'ai_orchestration:workflow_run:r-1');
  const last = await bus.last('ai_orchestration:workflow_run:r-1');
  assert.match(last!.data, /"event":"workflow_run_updated"/);
  await bus.close();
});

test('channel() refuses what the catalog refuses, with the catalog message', () => {
  const producer = new BusProducer(new MemoryBus(), createCatalog(), new MemoryOwnershipStore());
  // @ts-expect-error: not a catalog channel (the compiler says so too)
  assert.throws(() => producer.channel('NoSuchChannel', {}), /unknown channel/);
  // @ts-expect-error: 'nope' is not one of the enum values
  assert.throws(() => producer.channel('MissionChannel', { type: 'nope', id: 'm' }), /type must be one of/);
  assert.throws(() => producer.channel('AiStreamingChannel', {}), /exactly one of/);
});
