import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeEventFrame, nativeEventPrefix, nativeFrames, parseNativeFrame } from '@herald/protocol';

test('parses every client frame type', () => {
  assert.deepEqual(parseNativeFrame('{"type":"ping","id":3}'), { ok: true, command: { type: 'ping', id: 3 } });
  assert.deepEqual(parseNativeFrame('{"type":"subscribe","channel":"C","params":{"a":"1"},"since":{"epoch":"e","offset":17}}'), {
    ok: true,
    command: { type: 'subscribe', ref: { channel: 'C', params: { a: '1' } }, since: { epoch: 'e', offset: 17 } },
  });
  assert.deepEqual(parseNativeFrame('{"type":"subscribe","channelId":"agent:x"}'), { ok: true, command: { type: 'subscribe', ref: { channelId: 'agent:x' } } });
  assert.deepEqual(parseNativeFrame('{"type":"unsubscribe","channel":"C"}'), { ok: true, command: { type: 'unsubscribe', ref: { channel: 'C', params: {} } } });
  assert.deepEqual(parseNativeFrame('{"type":"perform","channel":"C","params":{},"action":"go","data":{"x":1},"id":"r1"}'), {
    ok: true,
    command: { type: 'perform', ref: { channel: 'C', params: {} }, action: 'go', data: { x: 1 }, id: 'r1' },
  });
  assert.deepEqual(parseNativeFrame('{"type":"refresh","token":"t"}'), { ok: true, command: { type: 'refresh', token: 't' } });
  assert.deepEqual(parseNativeFrame('{"type":"subscribe","channel":"C","since":{"epoch":"e","streams":{"s":4}}}'), {
    ok: true,
    command: { type: 'subscribe', ref: { channel: 'C', params: {} }, since: { epoch: 'e', streams: { s: 4 } } },
  });
});

test('bad frames give error codes, with the id when there is one', () => {
  const cases: [string, string][] = [
    ['{nope', 'bad_json'],
    ['[1,2]', 'bad_frame'],
    ['{"type":"dance"}', 'unknown_type'],
    ['{"type":"subscribe"}', 'bad_frame'],
    ['{"type":"subscribe","channel":"C","params":[]}', 'bad_frame'],
    ['{"type":"subscribe","channel":"C","since":{"epoch":"e","offset":-1}}', 'bad_frame'],
    ['{"type":"perform","channel":"C","action":"x"}', 'bad_frame'],
    ['{"type":"refresh"}', 'bad_frame'],
    ['{"type":"ping","id":{"x":1}}', 'bad_frame'],
  ];
  for (const [text, code] of cases) {
    const r = parseNativeFrame(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.equal(r.code, code, text);
  }
  const r = parseNativeFrame('{"type":"subscribe","id":9}');
  assert.equal(!r.ok && r.id, 9);
});

test('event frames splice the envelope into a per-stream prefix', () => {
  const envelope = '{"event":"e","payload":{"n":12345678901234567890},"timestamp":"t"}';
  const stored = nativeEventPrefix('a:"b"', 'ep');
  const frame = nativeEventFrame(stored, 18, envelope);
  assert.equal(frame, `{"type":"event","stream":"a:\\"b\\"","epoch":"ep","offset":18,"event":${envelope}}`);
  assert.equal(JSON.parse(frame).stream, 'a:"b"');
  assert.equal(nativeEventFrame(nativeEventPrefix('s', undefined), 0, envelope), `{"type":"event","stream":"s","event":${envelope}}`);
});

test('server frames are valid JSON of the documented shape', () => {
  const frames = [
    nativeFrames.welcome('c1', 25, undefined, '{"maxFrameBytes":1}'),
    nativeFrames.subscribed({ channel: 'C', params: { a: '1' } }, 'C{"a":"1"}', [{ stream: 's', epoch: 'e', offset: 3, history: true }], true, 5),
    nativeFrames.subscribed({ channelId: 'agent:x' }, 'agent{"id":"x"}', [], undefined),
    nativeFrames.rejected({ channel: 'C', params: {} }, 'forbidden', 'no', false),
    nativeFrames.unsubscribed({ channelId: 'agent:x' }, 'access_revoked'),
    nativeFrames.reply(1, { ok: true }),
    nativeFrames.replyError(1, 'unknown_action', 'x'),
    nativeFrames.pong(),
    nativeFrames.refreshed(123),
    nativeFrames.error('bad_json', 'x'),
    nativeFrames.disconnect('token_expired', true),
  ].map((f) => JSON.parse(f));
  assert.deepEqual(frames.map((f) => f.type), ['welcome', 'subscribed', 'subscribed', 'rejected', 'unsubscribed', 'reply', 'reply', 'pong', 'refreshed', 'error', 'disconnect']);
  assert.equal(frames[0].expiresAt, null);
  assert.equal(frames[1].recovered, true);
  assert.equal(frames[1].id, 5);
  assert.equal('recovered' in frames[2], false);
  assert.deepEqual(frames[6].error, { code: 'unknown_action', message: 'x' });
});
