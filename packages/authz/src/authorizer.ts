import type { Identity } from '@herald/auth';
import { evaluateRule, type Rule } from './rules.js';
import type { OwnershipReader } from './ownership.js';

export interface AuthzRequest {
  readonly identity: Identity;
  /** Channel name (catalog key) and the resolved params. */
  readonly channel: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface Decision {
  readonly allow: boolean;
  readonly reason?: string;
  /** The check could not be made (authz down or slow): the client may retry; never an allow. */
  readonly retryable?: boolean;
  /** How long the edge may cache this decision. */
  readonly ttlMs?: number;
}

/**
 * The edge asks an Authorizer before every subscription. Embedded mode answers
 * in-process (LocalAuthorizer); cluster mode asks the authz service over NATS
 * through the same interface.
 */
export interface Authorizer {
  check(request: AuthzRequest): Promise<Decision>;
}

export type RuleLookup = (channel: string) => Rule | undefined;

export class LocalAuthorizer implements Authorizer {
  constructor(
    private readonly ruleFor: RuleLookup,
    private readonly owners: OwnershipReader,
    private readonly ttlMs = 30_000,
  ) {}

  async check(request: AuthzRequest): Promise<Decision> {
    const rule = this.ruleFor(request.channel);
    if (!rule) return { allow: false, reason: `unknown channel ${request.channel}` };
    const result = await evaluateRule(rule, { identity: request.identity, params: request.params, owners: this.owners });
    return result.allow ? { allow: true, ttlMs: this.ttlMs } : { allow: false, reason: result.reason, ttlMs: this.ttlMs };
  }
}

/** Whether a rule reads anything beyond the identity's claims and the params (ownership). */
export function needsLookups(rule: Rule): boolean {
  switch (rule.kind) {
    case 'owner':
      return true;
    case 'anyOf':
    case 'allOf':
      return rule.rules.some(needsLookups);
    case 'switch':
      return [...Object.values(rule.cases), ...(rule.absent ? [rule.absent] : []), ...(rule.otherwise ? [rule.otherwise] : [])].some(needsLookups);
    default:
      return false;
  }
}

const NO_OWNERS: OwnershipReader = {
  getOwner: () => Promise.reject(new Error('claims-only rules read no ownership')),
};

/**
 * Cluster mode: rules that depend only on the token's claims and the params
 * (account match, permission, identity kind) are evaluated at the edge, with
 * the very rule the authz service would run, so such subscribes cost no
 * round trip; rules that read ownership go to `remote` (the authz service).
 * A connect storm of 10,000 clients otherwise queued 10,000 NATS requests.
 */
export class ClaimsFirstAuthorizer implements Authorizer {
  readonly #local: LocalAuthorizer;
  readonly #claimsOnly = new Map<string, boolean>();

  constructor(
    private readonly ruleFor: RuleLookup,
    private readonly remote: Authorizer,
  ) {
    this.#local = new LocalAuthorizer(ruleFor, NO_OWNERS);
  }

  check(request: AuthzRequest): Promise<Decision> {
    let local = this.#claimsOnly.get(request.channel);
    if (local === undefined) {
      const rule = this.ruleFor(request.channel);
      local = rule !== undefined && !needsLookups(rule);
      this.#claimsOnly.set(request.channel, local);
    }
    return local ? this.#local.check(request) : this.remote.check(request);
  }
}
