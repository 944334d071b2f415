import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DirectGetError, DirectGets } from '@herald/bus';
import { useLocalNats } from '../../../test/support/nats.js';

const fixture = useLocalNats();
let nc: NatsConnection;
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

before(async () => {
  nc = await fixture.connect();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'DG', subjects: ['dg.>'], allow_direct: true });
  const js = jsm.jetstream();
  const h = headers();
  h.set('Herald-Published-At', '1700000000000');
  await js.publish('dg.a', 'a1'); // seq 1
  await js.publish('dg.b', 'b1'); // seq 2
  await js.publish('dg.a', 'a2', { headers: h }); // seq 3
});

test('last_by_subj, seq and next_by_subj read what JetStream stored; a subject or sequence without a message is null', async () => {
  const gets = new DirectGets(nc, 'DG');
  try {
    const last = await gets.get({ last_by_subj: 'dg.a' });
    assert.ok(last);
    assert.equal(last.seq, 3);
    assert.equal(last.subject, 'dg.a');
    assert.equal(text(last.data), 'a2');
    assert.equal(last.header.get('Herald-Published-At'), '1700000000000', 'the stored message keeps its own headers');
    assert.ok(Math.abs(last.storedAt - Date.now()) < 60_000, `stored just now, not ${new Date(last.storedAt).toISOString()}`);
    assert.equal(await gets.get({ last_by_subj: 'dg.none' }), null);

    const second = await gets.get({ seq: 2 });
    assert.equal(second?.subject, 'dg.b');
    assert.equal(text(second.data), 'b1');
    assert.equal(await gets.get({ seq: 99 }), null);

    const next = await gets.get({ next_by_subj: 'dg.a', seq: 2 });
    assert.equal(next?.seq, 3);
    assert.equal(await gets.get({ next_by_subj: 'dg.b', seq: 3 }), null);
  } finally {
    gets.close();
  }
});

test('many gets at once are each answered with their own message', async () => {
  const gets = new DirectGets(nc, 'DG');
  try {
    const subjects = Array.from({ length: 300 }, (_, i) => ['dg.a', 'dg.b', 'dg.none'][i % 3]!);
    const got = await Promise.all(subjects.map((s) => gets.get({ last_by_subj: s })));
    assert.deepEqual(
      got.map((m) => m?.seq ?? null),
      subjects.map((s) => ({ 'dg.a': 3, 'dg.b': 2, 'dg.none': null })[s]),
    );
  } finally {
    gets.close();
  }
});

test('a get no server subscribes to fails at once with no responders', async () => {
  // JetStream's own API subjects always have the server's subscription (a missing stream times out,
  // as with nats.js); an API prefix nobody serves, as a wrong JetStream domain would be, has none.
  const gets = new DirectGets(nc, 'DG', { apiPrefix: '$JS.nowhere.API' });
  try {
    const t0 = Date.now();
    await assert.rejects(gets.get({ last_by_subj: 'dg.a' }), (err: unknown) => err instanceof DirectGetError && err.code === 503 && /no responders/.test(err.message));
    assert.ok(Date.now() - t0 < 2000, 'answered by the server, not by the timeout');
  } finally {
    gets.close();
  }
});

test('an unanswered get times out, and its late answer is ignored; close() fails what is still waiting', async () => {
  // A responder that holds every request, then answers them all late.
  const held: string[] = [];
  const silent = nc.subscribe('$JS.API.DIRECT.GET.SILENT.>', {
    callback: (_err, m) => {
      if (m.reply) held.push(m.reply);
    },
  });
  await nc.flush();
  const gets = new DirectGets(nc, 'SILENT', { timeoutMs: 300 });
  try {
    const t0 = Date.now();
    await assert.rejects(gets.get({ last_by_subj: 'dg.a' }), (err: unknown) => err instanceof DirectGetError && err.code === 408 && /timed out after 300 ms/.test(err.message));
    const waited = Date.now() - t0;
    assert.ok(waited >= 300 && waited < 2000, `timed out after ${waited} ms`);
    for (const reply of held) nc.publish(reply, 'late');
    await nc.flush();

    const pending = gets.get({ last_by_subj: 'dg.b' });
    gets.close();
    await assert.rejects(pending, /closed/);
  } finally {
    silent.unsubscribe();
    gets.close();
  }
});
