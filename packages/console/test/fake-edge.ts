import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vLXVzZXIifQ.c2ln';
const CSP = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:";

export const CHANNELS = {
  channels: [
    { name: 'AiOrchestrationChannel', kind: 'named', description: 'orchestration <b>events</b>', params: { type: { required: true, enum: ['account', 'workflow'] }, id: { required: true } }, history: true, actions: [] },
    { name: 'AiStreamingChannel', kind: 'named', description: 'tokens', params: { execution_id: {}, conversation_id: {} }, exactlyOneOf: [['execution_id', 'conversation_id']], history: false, actions: [] },
    { name: 'agent', kind: 'channelId', description: 'one agent', params: { id: { required: true } }, history: true, actions: [] },
    { name: '/ws/system', kind: 'path', description: 'system', params: {}, path: '/ws/system', history: true, actions: [] },
  ],
};

export type Frame = Record<string, unknown>;

/** A small stand-in for the edge: serves the page, /v1/channels, /v1/dev/token, and speaks enough of the native protocol on /ws. */
export class FakeEdge {
  readonly frames: Frame[] = [];
  readonly protocols: string[][] = [];
  readonly sockets: WebSocket[] = [];
  devTokens = true;
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('herald.v1.json') ? 'herald.v1.json' : false) });
  private offset = 0;

  constructor(html: string) {
    this.http = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
        return res.end(html);
      }
      if (req.method === 'GET' && req.url === '/v1/channels') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(CHANNELS));
      }
      if (req.method === 'POST' && req.url === '/v1/dev/token') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          this.frames.push({ type: 'http:dev-token', body: JSON.parse(body) as unknown });
          if (!this.devTokens) {
            res.writeHead(404, { 'content-type': 'application/json' });
            return res.end('{"error":"not_found"}');
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ token: TOKEN, expiresAt: Date.now() + 3_600_000 }));
        });
        return;
      }
      res.writeHead(404).end();
    });
    this.http.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/ws')) return socket.destroy();
      this.protocols.push(String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()));
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/`;
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.send(JSON.stringify({ type: 'welcome', protocol: 'herald.v1.json', connectionId: `c${this.sockets.length}`, heartbeat: 25, expiresAt: null }));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      this.frames.push(f);
      if (f['type'] === 'subscribe') {
        const echo = f['channelId'] ? { channelId: f['channelId'] } : { channel: f['channel'], params: f['params'] };
        const stream = f['channelId'] ? String(f['channelId']) : `ai_orchestration:${(f['params'] as Frame)['type']}:${(f['params'] as Frame)['id']}`;
        const since = f['since'] as { offset?: number; streams?: Record<string, number> } | undefined;
        const from = since?.offset ?? since?.streams?.[stream];
        ws.send(JSON.stringify({ type: 'subscribed', ...echo, key: 'k', streams: [{ stream, epoch: 'e1', offset: from ?? this.offset, history: true }], ...(since ? { recovered: true } : {}), id: f['id'] }));
      }
      if (f['type'] === 'unsubscribe') ws.send(JSON.stringify({ type: 'unsubscribed', ...(f['channelId'] ? { channelId: f['channelId'] } : { channel: f['channel'], params: f['params'] }) }));
    });
  }

  get current(): WebSocket {
    const ws = this.sockets.at(-1);
    if (!ws) throw new Error('no socket');
    return ws;
  }

  event(stream: string, event: string, payload: unknown, live = false): number {
    const offset = live ? 0 : ++this.offset;
    const frame = { type: 'event', stream, ...(live ? {} : { epoch: 'e1', offset }), event: { event, resource_type: 'workflow_run', resource_id: 'r-1', payload, timestamp: new Date().toISOString() } };
    this.current.send(JSON.stringify(frame));
    return offset;
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f['type'] === type);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    await new Promise((r) => this.http.close(r));
  }
}

