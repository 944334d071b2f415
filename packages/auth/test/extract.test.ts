import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { extractToken } from '../src/index.js';

const none = { query: '', authorization: '', protocolHeader: '' };

describe('extractToken', () => {
  test('nothing offered', () => {
    assert.deepEqual(extractToken(none), { token: undefined, source: undefined, protocols: [] });
  });

  test('Authorization: Bearer, case-insensitive scheme', () => {
    for (const authorization of ['Bearer aaa.bbb.ccc', 'bearer aaa.bbb.ccc', 'BEARER   aaa.bbb.ccc  ']) {
      assert.deepEqual(extractToken({ ...none, authorization }), { token: 'aaa.bbb.ccc', source: 'header', protocols: [] });
    }
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Beareraaa.bbb.ccc']) {
      assert.equal(extractToken({ ...none, authorization }).token, undefined, authorization);
    }
  });

  test('bearer.<jwt> subprotocol entry carries the token and is removed from protocols', () => {
    const creds = extractToken({ ...none, protocolHeader: 'herald.v1.json, bearer.aaa.bbb.ccc ,  herald.v1.msgpack' });
    assert.deepEqual(creds, { token: 'aaa.bbb.ccc', source: 'protocol', protocols: ['herald.v1.json', 'herald.v1.msgpack'] });
    assert.deepEqual(extractToken({ ...none, protocolHeader: 'bearer.x.y.z' }), { token: 'x.y.z', source: 'protocol', protocols: [] });
  });

  test('protocols are trimmed, empty entries dropped, order kept; no token without a bearer entry', () => {
    assert.deepEqual(extractToken({ ...none, protocolHeader: ' b , a,, c ' }), { token: undefined, source: undefined, protocols: ['b', 'a', 'c'] });
    // An empty bearer. entry is still never echoed back.
    assert.deepEqual(extractToken({ ...none, protocolHeader: 'herald.v1.json, bearer.' }), { token: undefined, source: undefined, protocols: ['herald.v1.json'] });
  });

  test('query ?token=', () => {
    assert.deepEqual(extractToken({ ...none, query: 'a=1&token=q.q.q&b=2' }), { token: 'q.q.q', source: 'query', protocols: [] });
    assert.equal(extractToken({ ...none, query: 'token=' }).token, undefined);
    assert.equal(extractToken({ ...none, query: 'tokens=x' }).token, undefined);
    assert.equal(extractToken({ ...none, query: 'token=a%2Eb.c' }).token, 'a.b.c');
    // The edge hands over the query it already parsed.
    assert.equal(extractToken({ ...none, query: new URLSearchParams('inbox=manual&token=q.q.q') }).token, 'q.q.q');
  });

  test('cookie, default and custom name', () => {
    assert.deepEqual(extractToken({ ...none, cookie: 'theme=dark; herald_token=c.c.c; other=1' }), { token: 'c.c.c', source: 'cookie', protocols: [] });
    assert.equal(extractToken({ ...none, cookie: 'herald_token="q.q.q"' }).token, 'q.q.q');
    assert.equal(extractToken({ ...none, cookie: 'x_herald_token=c.c.c' }).token, undefined);
    assert.equal(extractToken({ ...none, cookie: 'herald_token=c.c.c' , cookieName: 'session' }).token, undefined);
    assert.deepEqual(extractToken({ ...none, cookie: 'session=s.s.s', cookieName: 'session' }), { token: 's.s.s', source: 'cookie', protocols: [] });
    assert.equal(extractToken({ ...none, cookie: 'herald_token=' }).token, undefined);
  });

  test('precedence: header, then protocol, then query, then cookie', () => {
    const all = {
      authorization: 'Bearer h.h.h',
      protocolHeader: 'herald.v1.json, bearer.p.p.p',
      query: 'token=q.q.q',
      cookie: 'herald_token=c.c.c',
    };
    assert.deepEqual(extractToken(all), { token: 'h.h.h', source: 'header', protocols: ['herald.v1.json'] });
    assert.deepEqual(extractToken({ ...all, authorization: '' }), { token: 'p.p.p', source: 'protocol', protocols: ['herald.v1.json'] });
    assert.deepEqual(extractToken({ ...all, authorization: '', protocolHeader: 'herald.v1.json' }), { token: 'q.q.q', source: 'query', protocols: ['herald.v1.json'] });
    assert.deepEqual(extractToken({ ...all, authorization: '', protocolHeader: '', query: '' }), { token: 'c.c.c', source: 'cookie', protocols: [] });
    // A non-Bearer Authorization header does not shadow the other sources.
    assert.equal(extractToken({ ...all, authorization: 'Basic abc' }).source, 'protocol');
  });
});
