import { parseArgs } from 'node:util';
import { signDevToken, type IdentityKind } from '@herald/auth';
import { DEVELOPMENT_SECRET } from '@herald/config';
import { UsageError } from '../main.js';

export async function tokenCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      account: { type: 'string' },
      perm: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '1h' },
      kind: { type: 'string', default: 'user' },
    },
  });
  if (!values.sub) throw new UsageError('--sub is required');
  const ttlSec = parseTtl(values.ttl ?? '1h');
  if (!['user', 'worker', 'service'].includes(values.kind ?? 'user')) throw new UsageError('--kind must be user, worker or service');
  let secret = process.env['HERALD_JWT_SECRET'];
  if (!secret) {
    process.stderr.write('herald token: HERALD_JWT_SECRET is not set; signing with the development secret\n');
    secret = DEVELOPMENT_SECRET;
  }
  const token = await signDevToken({
    secret,
    sub: values.sub,
    ...(values.account ? { account: values.account } : {}),
    permissions: values.perm ?? [],
    kind: values.kind as IdentityKind,
    ttlSec,
    ...(process.env['HERALD_JWT_ISSUER'] ? { issuer: process.env['HERALD_JWT_ISSUER'] } : {}),
    ...(process.env['HERALD_JWT_AUDIENCE'] ? { audience: process.env['HERALD_JWT_AUDIENCE'] } : {}),
  });
  process.stdout.write(token + '\n');
  return 0;
}

export function parseTtl(v: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(v);
  if (!m) throw new UsageError(`--ttl must look like 90s, 15m, 1h or 7d (got ${v})`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's'] as number);
}
