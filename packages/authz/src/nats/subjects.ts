/** NATS names shared by the authz service, its clients and ownership writers (cluster mode). */
export const AUTHZ_SUBJECTS = {
  /** Request/reply: one subscription check per request. */
  check: 'herald.authz.check',
  /** Fan-out: every edge drops cached decisions the message names and re-checks its sockets. */
  invalidate: 'herald.authz.invalidate',
} as const;

/** Queue group of the authz service, so instances share the check load. */
export const AUTHZ_QUEUE = 'herald-authz';

/** KV bucket holding `resourceType.resourceId` → owning account id. */
export const OWNERS_BUCKET = 'herald_owners';
