import type { Identity } from '@herald/auth';
import type { OwnershipReader } from './ownership.js';

/**
 * Authorization rules are plain data, declared per channel in the catalog, so
 * that the edge (embedded mode) and the authz service (cluster mode) evaluate
 * exactly the same thing. Anything not allowed by a rule is denied.
 */
export type Rule =
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'deny'; readonly reason: string }
  | { readonly kind: 'permission'; readonly permission: string }
  | { readonly kind: 'identityKind'; readonly identityKind: Identity['kind'] }
  /** `params[param]` must equal a field of the identity (e.g. account param = identity's account). */
  | { readonly kind: 'matchesIdentity'; readonly param: string; readonly field: IdentityField }
  /** The resource named by `params[param]` must be owned by the identity's account. */
  | { readonly kind: 'owner'; readonly resourceType: string; readonly param: string }
  | { readonly kind: 'anyOf'; readonly rules: readonly Rule[] }
  | { readonly kind: 'allOf'; readonly rules: readonly Rule[] }
  /** Pick a rule by the value of a param; `absent` when it is missing, `otherwise` for other values (default: deny). */
  | {
      readonly kind: 'switch';
      readonly param: string;
      readonly cases: Readonly<Record<string, Rule>>;
      readonly absent?: Rule;
      readonly otherwise?: Rule;
    };

export type IdentityField = 'accountId' | 'userId';

export interface RuleContext {
  readonly identity: Identity;
  readonly params: Readonly<Record<string, string>>;
  readonly owners: OwnershipReader;
}

export type RuleResult = { readonly allow: true } | { readonly allow: false; readonly reason: string };

const ALLOW: RuleResult = { allow: true };
const deny = (reason: string): RuleResult => ({ allow: false, reason });

export async function evaluateRule(rule: Rule, ctx: RuleContext): Promise<RuleResult> {
  switch (rule.kind) {
    case 'authenticated':
      return ALLOW;
    case 'deny':
      return deny(rule.reason);
    case 'permission':
      return ctx.identity.permissions.includes(rule.permission) ? ALLOW : deny(`requires permission ${rule.permission}`);
    case 'identityKind':
      return ctx.identity.kind === rule.identityKind ? ALLOW : deny(`requires a ${rule.identityKind} identity`);
    case 'matchesIdentity': {
      const expected = ctx.identity[rule.field];
      const actual = ctx.params[rule.param];
      if (expected === undefined) return deny(`identity has no ${rule.field}`);
      return actual !== undefined && actual === expected ? ALLOW : deny(`${rule.param} does not match the identity`);
    }
    case 'owner': {
      const id = ctx.params[rule.param];
      const account = ctx.identity.accountId;
      if (id === undefined) return deny(`missing ${rule.param}`);
      if (account === undefined) return deny('identity has no account');
      const owner = await ctx.owners.getOwner(rule.resourceType, id);
      return owner === account ? ALLOW : deny(`${rule.resourceType} ${id} is not owned by the identity's account`);
    }
    case 'anyOf': {
      const reasons: string[] = [];
      for (const r of rule.rules) {
        const res = await evaluateRule(r, ctx);
        if (res.allow) return ALLOW;
        reasons.push(res.reason);
      }
      // Every alternative failed: say so for each, the client cannot know which one it meant to meet.
      return deny(reasons.length ? reasons.join('; or ') : 'no rule allowed access');
    }
    case 'allOf': {
      for (const r of rule.rules) {
        const res = await evaluateRule(r, ctx);
        if (!res.allow) return res;
      }
      return rule.rules.length > 0 ? ALLOW : deny('empty allOf');
    }
    case 'switch': {
      const value = ctx.params[rule.param];
      const chosen = value === undefined ? rule.absent : Object.hasOwn(rule.cases, value) ? rule.cases[value] : rule.otherwise;
      return chosen ? evaluateRule(chosen, ctx) : deny(`no rule for ${rule.param}=${value ?? '(absent)'}`);
    }
    default: {
      const unknown: never = rule;
      return deny(`unknown rule ${(unknown as { kind: string }).kind}`);
    }
  }
}

/** Small constructors so catalog entries read like sentences. */
export const rules = {
  authenticated: (): Rule => ({ kind: 'authenticated' }),
  deny: (reason: string): Rule => ({ kind: 'deny', reason }),
  permission: (permission: string): Rule => ({ kind: 'permission', permission }),
  identityKind: (identityKind: Identity['kind']): Rule => ({ kind: 'identityKind', identityKind }),
  accountParam: (param: string): Rule => ({ kind: 'matchesIdentity', param, field: 'accountId' }),
  userParam: (param: string): Rule => ({ kind: 'matchesIdentity', param, field: 'userId' }),
  owner: (resourceType: string, param: string): Rule => ({ kind: 'owner', resourceType, param }),
  anyOf: (...list: Rule[]): Rule => ({ kind: 'anyOf', rules: list }),
  allOf: (...list: Rule[]): Rule => ({ kind: 'allOf', rules: list }),
  switchOn: (param: string, cases: Record<string, Rule>, extra: { absent?: Rule; otherwise?: Rule } = {}): Rule => ({
    kind: 'switch',
    param,
    cases,
    ...extra,
  }),
};
