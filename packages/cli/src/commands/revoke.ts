import { parseArgs } from 'node:util';
import { hashToken } from '@herald/auth';
import { REVOCATION_KINDS } from '@herald/control';
import { UsageError } from '../main.js';
import { postToApi } from './api-client.js';
import { parseTtl } from './token.js';

/** `herald revoke <session|user|account|api_token> <value>` through the admin HTTP API (HERALD_URL, HERALD_API_KEY). */
export async function revokeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { reason: { type: 'string' }, ttl: { type: 'string' }, token: { type: 'string' }, url: { type: 'string' } },
  });
  const [kind, value] = positionals;
  if (!kind || !(REVOCATION_KINDS as readonly string[]).includes(kind)) throw new UsageError(`first argument must be one of ${REVOCATION_KINDS.join(', ')}`);
  // `--token <jwt>` names a session by its token; only the hash leaves this machine.
  const target = kind === 'session' && values.token ? hashToken(values.token) : value;
  if (!target) throw new UsageError(kind === 'session' ? 'give the session token hash, or --token <jwt>' : `give the ${kind} id`);
  const ttlMs = values.ttl ? parseTtl(values.ttl) * 1000 : undefined;
  const body = { kind, value: target, ...(values.reason ? { reason: values.reason } : {}), ...(ttlMs ? { ttl_ms: ttlMs } : {}) };
  return postToApi('/v1/admin/revoke', JSON.stringify(body), values.url);
}
