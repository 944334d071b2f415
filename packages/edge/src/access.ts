import type { Identity } from '@herald/auth';
import type { Invalidation } from '@herald/authz';

type Affected = (channel: string, params: Readonly<Record<string, string>>) => boolean;

const everything: Affected = () => true;

/**
 * Which of a connection's subscriptions an access change may affect, or
 * undefined for none. A resource change re-checks every subscription naming
 * that id in its params: rules do not say which param holds which resource
 * type, and a needless re-check only costs a (cached) authz call.
 */
export function affectedSubscriptions(inv: Invalidation, identity: Identity): Affected | undefined {
  if (inv.all) return everything;
  if (inv.account_id !== undefined && inv.account_id === identity.accountId) return everything;
  if (inv.user_id !== undefined && inv.user_id === identity.userId) return everything;
  const id = inv.resource_id;
  if (id === undefined) return undefined;
  return (_channel, params) => Object.values(params).includes(id);
}
