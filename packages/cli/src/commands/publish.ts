import { parseArgs } from 'node:util';
import { UsageError } from '../main.js';
import { postToApi } from './api-client.js';

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
  // The payload is spliced in as given, so its bytes reach subscribers unchanged.
  const body =
    `{"streams":${JSON.stringify(positionals)},"event":${JSON.stringify(values.event)}` +
    (values['resource-type'] ? `,"resource_type":${JSON.stringify(values['resource-type'])}` : '') +
    (values['resource-id'] ? `,"resource_id":${JSON.stringify(values['resource-id'])}` : '') +
    `,"payload":${payload}}`;
  return postToApi('/v1/publish', body, values.url);
}
