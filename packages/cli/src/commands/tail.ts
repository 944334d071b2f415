import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { signDevToken } from '@herald/auth';
import { DEVELOPMENT_SECRET } from '@herald/config';
import { NATIVE_SUBPROTOCOL } from '@herald/protocol';
import { UsageError } from '../main.js';

/** Subscribe to one channel and print every frame as a JSON line until interrupted or closed. */
export async function tailCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      sub: { type: 'string', default: 'cli' },
      account: { type: 'string' },
      perm: { type: 'string', multiple: true },
      since: { type: 'string' },
    },
  });
  const [channel, ...pairs] = positionals;
  if (!channel) throw new UsageError('name a channel, e.g. herald tail AiConversationChannel conversation_id=42');
  const params: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`params are key=value (got ${p})`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const subscribe: Record<string, unknown> = channel.includes(':') && pairs.length === 0 ? { type: 'subscribe', channelId: channel } : { type: 'subscribe', channel, params };
  if (values.since) {
    const [epoch, offset] = values.since.split(':');
    if (!epoch || !/^\d+$/.test(offset ?? '')) throw new UsageError('--since is <epoch>:<offset>');
    subscribe['since'] = { epoch, offset: Number(offset) };
  }
  const token =
    values.token ??
    process.env['HERALD_TOKEN'] ??
    (await signDevToken({
      secret: process.env['HERALD_JWT_SECRET'] ?? DEVELOPMENT_SECRET,
      sub: values.sub ?? 'cli',
      ...(values.account ? { account: values.account } : {}),
      permissions: values.perm ?? [],
    }));
  const base = (values.url ?? process.env['HERALD_URL'] ?? 'ws://localhost:8080').replace(/^http/, 'ws');
  const ws = new WebSocket(new URL('/ws', base), [NATIVE_SUBPROTOCOL], { headers: { authorization: `Bearer ${token}` } });

  return new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        process.stderr.write(`herald tail: refused (${res.statusCode}): ${body}\n`);
        resolve(1);
      });
    });
    ws.on('error', (err) => {
      process.stderr.write(`herald tail: ${err.message}\n`);
      resolve(1);
    });
    ws.on('open', () => ws.send(JSON.stringify(subscribe)));
    ws.on('message', (data) => {
      const text = data.toString();
      process.stdout.write(text + '\n');
      if (text.startsWith('{"type":"rejected"')) ws.close(1000);
    });
    ws.on('close', (code, reason) => {
      process.stderr.write(`herald tail: closed ${code} ${reason.toString()}\n`);
      resolve(code === 1000 || code === 1005 ? 0 : 1);
    });
    process.once('SIGINT', () => ws.close(1000));
  });
}
