/**
 * An access change: decisions naming any of these may be stale. Sent on
 * `herald.authz.invalidate` in cluster mode, raised by the ownership store in
 * embedded mode. Edges drop cached decisions and re-check subscriptions with it.
 */
export interface Invalidation {
  readonly resource_type?: string;
  readonly resource_id?: string;
  readonly account_id?: string;
  readonly user_id?: string;
  readonly all?: boolean;
}

/**
 * Whether a decision for `who` about a channel with these param values may be
 * stale after `inv`. A resource change matches every decision naming that id
 * in its params: rules do not say which param holds which resource type, and
 * matching too much only costs a re-check.
 */
export function invalidationMatches(
  inv: Invalidation,
  who: { readonly userId: string; readonly accountId: string | undefined },
  paramValues: readonly string[],
): boolean {
  return (
    inv.all === true ||
    (inv.user_id !== undefined && inv.user_id === who.userId) ||
    (inv.account_id !== undefined && inv.account_id === who.accountId) ||
    (inv.resource_id !== undefined && paramValues.includes(inv.resource_id))
  );
}
