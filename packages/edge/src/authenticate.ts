import { AuthError, type Identity } from '@herald/auth';
import type { EdgeDeps } from './context.js';

/**
 * Who a token stands for, for every way in (WebSocket upgrade, SSE, the stream API): verified,
 * then checked against revocations. Refusals are AuthErrors whose reason is the 401's.
 */
type AuthDeps = Pick<EdgeDeps, 'verifier' | 'control' | 'log'>;

/** In this tick when the token's key is at hand (secret, PEM); undefined when it takes I/O (JWKS): then `authenticate`. */
export function authenticateNow(deps: AuthDeps, token: string): Identity | undefined {
  let identity: Identity | undefined;
  try {
    identity = deps.verifier.verifyNow(token);
  } catch (err) {
    throw refusal(deps, err);
  }
  return identity && admitted(deps, identity);
}

export async function authenticate(deps: AuthDeps, token: string): Promise<Identity> {
  let identity: Identity;
  try {
    identity = await deps.verifier.verify(token);
  } catch (err) {
    throw refusal(deps, err);
  }
  return admitted(deps, identity);
}

function admitted(deps: AuthDeps, identity: Identity): Identity {
  const revoked = deps.control.check(identity);
  if (revoked) throw new AuthError('revoked', `this token was revoked (${revoked.kind}${revoked.reason ? `: ${revoked.reason}` : ''})`);
  return identity;
}

/** The verifier refuses with AuthErrors only; anything else is a bug, logged, and still a refusal. */
function refusal(deps: AuthDeps, err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  deps.log.error('token verification crashed', { error: err });
  return new AuthError('malformed_token', 'token could not be verified');
}
