import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeError, parsePublishBody, rawMembers } from '@herald/protocol';

test('rawMembers returns exact member text, nested and escaped', () => {
  const src = '{ "a" : 12345678901234567890 , "b":{"x":[1,{"y":"}]"}]},"c":"q\\"uote}","d" :null,"e":1.50}';
  const m = rawMembers(src);
  assert.equal(m.get('a'), '12345678901234567890');
  assert.equal(m.get('b'), '{"x":[1,{"y":"}]"}]}');
  assert.equal(m.get('c'), '"q\\"uote}"');
  assert.equal(m.get('d'), 'null');
  assert.equal(m.get('e'), '1.50');
  assert.deepEqual([...rawMembers('{}').keys()], []);
  assert.throws(() => rawMembers('[1]'), SyntaxError);
  assert.throws(() => rawMembers('{"a":'), SyntaxError);
});

test('publish body keeps payload bytes and builds the canonical envelope', () => {
  const body = '{"streams":["ai_orchestration:workflow_run:r-9","ai_orchestration:account:a1"],"event":"workflow.run.status.changed","resource_type":"workflow_run","resource_id":"r-9","payload":{"big":12345678901234567890,"f":1.0},"timestamp":"2026-01-01T00:00:00Z"}';
  const p = parsePublishBody(body);
  assert.deepEqual(p.streams, ['ai_orchestration:workflow_run:r-9', 'ai_orchestration:account:a1']);
  assert.equal(
    p.envelope,
    '{"event":"workflow.run.status.changed","resource_type":"workflow_run","resource_id":"r-9","payload":{"big":12345678901234567890,"f":1.0},"timestamp":"2026-01-01T00:00:00Z"}',
  );
});

test('publish body defaults timestamp, accepts a single stream, dedupes streams', () => {
  const p = parsePublishBody('{"stream":"s","event":"e"}', () => new Date('2026-02-03T04:05:06.000Z'));
  assert.deepEqual(p.streams, ['s']);
  assert.equal(p.envelope, '{"event":"e","payload":null,"timestamp":"2026-02-03T04:05:06.000Z"}');
  assert.deepEqual(parsePublishBody('{"streams":["a","a"],"event":"e"}').streams, ['a']);
});

test('bad publish bodies are refused with a reason', () => {
  const bad: [string, RegExp][] = [
    ['not json', /JSON object/],
    ['{"event":"e"}', /streams/],
    ['{"streams":[],"event":"e"}', /streams/],
    ['{"streams":[""],"event":"e"}', /non-empty/],
    ['{"streams":["a\\u0000"],"event":"e"}', /control/],
    ['{"streams":["a"]}', /event/],
    ['{"streams":["a"],"event":"has space"}', /event may only/],
    ['{"streams":["a"],"event":"e","timestamp":"yesterday"}', /timestamp/],
    [`{"streams":${JSON.stringify(Array.from({ length: 40 }, (_, i) => `s${i}`))},"event":"e"}`, /at most/],
  ];
  for (const [body, re] of bad) assert.throws(() => parsePublishBody(body), (e: unknown) => e instanceof EnvelopeError && re.test(e.message), body);
});
