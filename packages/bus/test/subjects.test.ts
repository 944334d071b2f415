import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeToken, kvKey, streamSubject, streamToTokens, subjectStream, tokensToStream, unescapeToken } from '@herald/bus';

test('plain stream names map token for token', () => {
  assert.equal(streamToTokens('ai_orchestration:workflow_run:r-9'), 'ai_orchestration.workflow_run.r-9');
  assert.equal(streamToTokens('devops_pipeline_p1'), 'devops_pipeline_p1');
  assert.equal(streamSubject('herald.live', 'git_job_logs:j-1'), 'herald.live.git_job_logs.j-1');
});

test('characters that would break a subject are escaped, reversibly', () => {
  const cases: [string, string][] = [
    ['a.b', 'a=2Eb'],
    ['*', '=2A'],
    ['>', '=3E'],
    ['x y', 'x=20y'],
    ['~', '=7E'],
    ['=', '=3D'],
    ['', '='],
    ['é', '=C3=A9'],
    ['auth0|123', 'auth0=7C123'],
  ];
  for (const [part, token] of cases) {
    assert.equal(escapeToken(part), token);
    assert.equal(unescapeToken(token), part);
  }
  assert.equal(streamToTokens('a::b'), 'a.=.b', 'empty parts become =');
  assert.equal(tokensToStream('a.=.b'), 'a::b');
  assert.throws(() => unescapeToken('a=ZZ'), /bad escape/);
});

/** Deterministic pseudo-random generator so a failure can be replayed from its seed. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}
const ALPHABET = ['a', 'Z', '0', '_', '-', ':', '.', '*', '>', ' ', '\t', '~', '=', '%', 'é', '😀', '\u0000', '|', '/', '\\', '"'];

test('property: every generated stream name round-trips and gives a valid subject', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const next = rng(seed);
    const length = Math.floor(next() * 24);
    let stream = '';
    for (let i = 0; i < length; i++) stream += ALPHABET[Math.floor(next() * ALPHABET.length)];
    const subject = streamSubject('herald.ev', stream);
    const tokens = subject.split('.');
    assert.ok(tokens.every((t) => t.length > 0), `no empty token (seed ${seed}: ${JSON.stringify(stream)})`);
    assert.ok(tokens.every((t) => !/[\s*>]/.test(t)), `no wildcard or whitespace (seed ${seed})`);
    assert.match(subject, /^[\x21-\x7e]+$/, `printable ASCII only (seed ${seed})`);
    assert.equal(subjectStream('herald.ev', subject), stream, `round trip (seed ${seed})`);
  }
});

test('distinct streams never share a subject', () => {
  const seen = new Map<string, string>();
  for (let seed = 1; seed <= 3000; seed++) {
    const next = rng(seed);
    let stream = '';
    for (let i = 0, n = Math.floor(next() * 6); i < n; i++) stream += ALPHABET[Math.floor(next() * 8)];
    const subject = streamSubject('herald.live', stream);
    const prior = seen.get(subject);
    assert.ok(prior === undefined || prior === stream, `${JSON.stringify(prior)} and ${JSON.stringify(stream)} collide`);
    seen.set(subject, stream);
  }
  assert.equal(subjectStream('herald.live', 'herald.ev.x'), undefined);
});

test('property: kv keys are valid NATS KV keys and distinct tuples never collide', () => {
  const seen = new Map<string, string>();
  for (let seed = 1; seed <= 2000; seed++) {
    const next = rng(seed);
    const parts: string[] = [];
    for (let p = 0; p < 2; p++) {
      let s = '';
      for (let i = 0, n = Math.floor(next() * 8); i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
      parts.push(s);
    }
    const key = kvKey(...parts);
    assert.match(key, /^[-/_=.a-zA-Z0-9]+$/, `valid KV key (seed ${seed})`);
    const id = JSON.stringify(parts);
    const prior = seen.get(key);
    assert.ok(prior === undefined || prior === id, `${id} and ${prior} share ${key}`);
    seen.set(key, id);
  }
});
