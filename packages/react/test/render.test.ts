// Server rendering (react-dom/server, no DOM): what the hooks render before any effect runs.
// The subscription behaviour itself is proven in Chromium by test/browser/react.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement, StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import type { HeraldClient, Status } from '@herald/client';
import { HeraldProvider, useChannel, useHerald, useStream } from '@herald/react';

function fakeClient(status: Status): HeraldClient & { subscribes: number } {
  const client = {
    subscribes: 0,
    status,
    subscribe() {
      client.subscribes++;
      return () => undefined;
    },
    perform: () => Promise.resolve(undefined),
    onStatus: () => () => undefined,
    connect: () => undefined,
    retry: () => undefined,
    disconnect: () => undefined,
  };
  return client as unknown as HeraldClient & { subscribes: number };
}

test('useHerald outside a provider throws a clear error', () => {
  function Orphan() {
    useHerald();
    return null;
  }
  assert.throws(() => renderToString(createElement(Orphan)), /HeraldProvider/);
});

test('status, initial stream data, no error; no subscription during render', () => {
  const client = fakeClient('open');
  function Run() {
    const herald = useHerald();
    const channel = useChannel('AiConversationChannel', { conversation_id: 'c-1' }, () => undefined);
    const run = useStream<{ status: string }, string>('AiOrchestrationChannel', { type: 'workflow_run', id: 'r' }, { initial: 'queued', select: (e) => e.payload.status });
    const idle = useStream(null);
    return createElement('p', null, `${herald.status}/${String(herald.isConnected)}/${channel.status}/${String(channel.error)}/${run.data}/${String(run.event)}/${String(idle.data)}`);
  }
  const html = renderToString(createElement(StrictMode, null, createElement(HeraldProvider, { client }, createElement(Run))));
  assert.equal(html, '<p>open/true/open/null/queued/undefined/undefined</p>');
  assert.equal(client.subscribes, 0, 'effects do not run on the server');
});
