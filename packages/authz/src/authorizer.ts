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
