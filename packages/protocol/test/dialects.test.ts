import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEnvelope, envelopeParts, isRawEnvelope, parseActionCableFrame, parseJsonRpcFrame, parsePathStreamFrame, pathStreamFrames, rpcCode } from '@herald/protocol';

const ID = '{"channel":"AiConversationChannel","conversation_id":"42"}';

test('ActionCable: commands name their subscription by identifier; message data is a JSON string with an action', () => {
  assert.deepEqual(parseActionCableFrame(JSON.stringify({ command: 'subscribe', identifier: ID })), {
    ok: true,
    command: { type: 'subscribe', ref: { channel: 'AiConversationChannel', params: { conversation_id: '42' }, identifier: ID } },
  });
  const msg = parseActionCableFrame(JSON.stringify({ command: 'message', identifier: ID, data: '{"action":"send_message","content":"hi"}' }));
  assert.deepEqual(msg, {
    ok: true,
    command: { type: 'perform', ref: { channel: 'AiConversationChannel', params: { conversation_id: '42' }, identifier: ID }, action: 'send_message', data: { content: 'hi' }, id: ID },
  });
  for (const [frame, code] of [
    ['{', 'bad_json'],
    ['[]', 'bad_frame'],
    ['{"command":"subscribe"}', 'bad_frame'],
    ['{"command":"subscribe","identifier":"nope"}', 'bad_frame'],
    ['{"command":"subscribe","identifier":"{\\"room\\":1}"}', 'bad_frame'],
    [JSON.stringify({ command: 'message', identifier: ID, data: '{"content":1}' }), 'bad_frame'],
    [JSON.stringify({ command: 'message', identifier: ID, data: '{' }), 'bad_json'],
    [JSON.stringify({ command: 'dance', identifier: ID }), 'unknown_type'],
  ] as const) {
    const r = parseActionCableFrame(frame);
    assert.equal(r.ok, false, frame);
    if (!r.ok) assert.equal(r.code, code, frame);
  }
});

test('JSON-RPC: Herald methods become commands with the request id; other methods are calls; errors map to codes', () => {
  assert.deepEqual(parseJsonRpcFrame('{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"channelId":"agent:x","id":"ignored"}}'), {
    ok: true,
    command: { type: 'subscribe', ref: { channelId: 'agent:x' }, id: 1 },
  });
  assert.deepEqual(parseJsonRpcFrame('{"jsonrpc":"2.0","method":"ping"}'), { ok: true, command: { type: 'ping' } });
  assert.deepEqual(parseJsonRpcFrame('{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x"}}'), {
    ok: true,
    command: { type: 'call', method: 'tools/call', params: { name: 'x' }, id: 'a' },
  });
  const fails: [string, number][] = [
    ['{', -32700],
    ['[{"jsonrpc":"2.0","id":1,"method":"ping"}]', -32600],
    ['{"jsonrpc":"1.0","id":1,"method":"ping"}', -32600],
    ['{"jsonrpc":"2.0","id":{},"method":"ping"}', -32600],
    ['{"jsonrpc":"2.0","id":1}', -32600],
    ['{"jsonrpc":"2.0","id":1,"method":"x","params":3}', -32602],
    ['{"jsonrpc":"2.0","id":1,"method":"subscribe","params":[1]}', -32602],
    ['{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{}}', -32602],
    ['{"jsonrpc":"2.0","method":"perform","params":{"channel":"C","action":"a"}}', -32602],
  ];
  for (const [frame, code] of fails) {
    const r = parseJsonRpcFrame(frame);
    assert.equal(r.ok, false, frame);
    if (!r.ok) assert.equal(rpcCode(r.code), code, frame);
  }
  assert.equal(rpcCode(-32099), -32099, 'backend codes pass through');
});

test('path streams: only ping is a command; events merge the payload after the type', () => {
  assert.deepEqual(parsePathStreamFrame('{"type":"ping"}'), { ok: true, command: { type: 'ping' } });
  assert.equal(parsePathStreamFrame('{"type":"subscribe"}').ok, false);
  assert.equal(pathStreamFrames.event('"A"', '{"x":1,"y":[2]}'), '{"type":"A","x":1,"y":[2]}');
  assert.equal(pathStreamFrames.event('"A"', ' { } '), '{"type":"A"}');
  assert.equal(pathStreamFrames.event('"A"', '[1,2]'), '{"type":"A","data":[1,2]}');
  assert.deepEqual(JSON.parse(pathStreamFrames.event('"A"', '{\n "x": 1\n}')), { type: 'A', x: 1 });
});

test('envelope parts: event and raw payload bytes; raw (ActionCable-shaped) envelopes are marked', () => {
  const plain = encodeEnvelope({ event: 'e.x', resource_type: 't', payloadJson: '{"big":12345678901234567890,"s":"a,\\"b\\"}"}', timestamp: '2026-01-01T00:00:00Z' });
  assert.deepEqual(envelopeParts(plain), { event: 'e.x', payloadJson: '{"big":12345678901234567890,"s":"a,\\"b\\"}"}', raw: false });
  assert.equal(isRawEnvelope(plain), false);
  const raw = encodeEnvelope({ event: 'message', payloadJson: '{"type":"typing"}', timestamp: '2026-01-01T00:00:00Z', raw: true });
  assert.equal(isRawEnvelope(raw), true);
  assert.deepEqual(envelopeParts(raw), { event: 'message', payloadJson: '{"type":"typing"}', raw: true });
  assert.deepEqual(JSON.parse(raw)['raw'], true);
  assert.deepEqual(envelopeParts('not json'), { event: 'message', payloadJson: 'not json', raw: false });
});

test('retry hints: a spread below 2 s for drains, 1–5 s after limits, none otherwise', async () => {
  const { retryHintMs, CloseCode } = await import('@herald/protocol');
  assert.equal(retryHintMs(CloseCode.Draining, () => 0), 0);
  assert.equal(retryHintMs(CloseCode.Draining, () => 0.9999), 1999);
  assert.equal(retryHintMs(CloseCode.LimitExceeded, () => 0), 1000);
  assert.equal(retryHintMs(CloseCode.LimitExceeded, () => 0.9999), 4999);
  for (const code of [CloseCode.BadRequest, CloseCode.Unauthorized, CloseCode.Forbidden, CloseCode.TooSlow]) assert.equal(retryHintMs(code), undefined);
});

test('an SSE disconnect frame is recognised with or without a retry hint', async () => {
  const { isSseDisconnect, sseFrames } = await import('@herald/protocol');
  assert.equal(isSseDisconnect(sseFrames.disconnect('draining', true)), true);
  assert.equal(isSseDisconnect(sseFrames.disconnect('draining', true, 1234)), true);
  assert.match(sseFrames.disconnect('draining', true, 1234), /^event: disconnect\nretry: 1234\ndata: /);
});
