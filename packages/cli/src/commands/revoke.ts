import { parseArgs } from 'node:util';
import { hashToken } from '@herald/auth';
import { REVOCATION_KINDS } from '@herald/control';
import { UsageError } from '../main.js';

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
  let ttlMs: number | undefined;
  if (values.ttl) {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(values.ttl);
    if (!m) throw new UsageError('--ttl must look like 90s, 30m, 12h or 7d');
    ttlMs = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  }
  const base = values.url ?? process.env['HERALD_URL'] ?? 'http://localhost:8080';
  const apiKey = process.env['HERALD_API_KEY'];
  const res = await fetch(new URL('/v1/admin/revoke', base.replace(/^ws/, 'http')), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ kind, value: target, ...(values.reason ? { reason: values.reason } : {}), ...(ttlMs ? { ttl_ms: ttlMs } : {}) }),
  });
  const text = await res.text();
  (res.ok ? process.stdout : process.stderr).write(text + '\n');
  return res.ok ? 0 : 1;
}
