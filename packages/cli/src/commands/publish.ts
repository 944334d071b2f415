import { parseArgs } from 'node:util';
import { UsageError } from '../main.js';

export async function publishCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      payload: { type: 'string', default: '{}' },
      'resource-type': { type: 'string' },
      'resource-id': { type: 'string' },
      url: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('name at least one stream');
  if (!values.event) throw new UsageError('--event is required');
  const payload = values.payload ?? '{}';
  try {
    JSON.parse(payload);
  } catch {
    throw new UsageError('--payload must be JSON');
  }
  const base = values.url ?? process.env['HERALD_URL'] ?? 'http://localhost:8080';
  // The payload is spliced in as given, so its bytes reach subscribers unchanged.
  const body =
    `{"streams":${JSON.stringify(positionals)},"event":${JSON.stringify(values.event)}` +
    (values['resource-type'] ? `,"resource_type":${JSON.stringify(values['resource-type'])}` : '') +
    (values['resource-id'] ? `,"resource_id":${JSON.stringify(values['resource-id'])}` : '') +
    `,"payload":${payload}}`;
  const apiKey = process.env['HERALD_API_KEY'];
  const res = await fetch(new URL('/v1/publish', base.replace(/^ws/, 'http')), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body,
  });
  const text = await res.text();
  (res.ok ? process.stdout : process.stderr).write(text + '\n');
  return res.ok ? 0 : 1;
}
