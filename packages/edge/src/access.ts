import type { Identity } from '@herald/auth';
import { invalidationMatches, type Invalidation } from '@herald/authz';

type Affected = (params: Readonly<Record<string, string>>) => boolean;

/** Which of a connection's subscriptions an access change may affect: the same test the decision cache applies. */
export function affectedSubscriptions(inv: Invalidation, identity: Identity): Affected {
  return (params) => invalidationMatches(inv, identity, Object.values(params));
}
