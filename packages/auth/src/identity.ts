/** Who is on the other end of a connection, as mapped from verified JWT claims. */
export type IdentityKind = 'user' | 'worker' | 'service';

export interface Identity {
  readonly userId: string;
  readonly accountId: string | undefined;
  readonly permissions: readonly string[];
  readonly kind: IdentityKind;
  readonly sessionId: string | undefined;
  readonly apiTokenId: string | undefined;
  /** Token expiry in ms since the epoch; undefined when the token has no `exp`. */
  readonly expiresAt: number | undefined;
  /** Token `iat` in ms since the epoch; undefined when absent. Account/user revocations block tokens issued before them. */
  readonly issuedAt: number | undefined;
  /** Hex SHA-256 of the raw token: the key for session revocation, never the token itself. */
  readonly tokenHash: string;
}

export function hasPermission(identity: Identity, permission: string): boolean {
  return identity.permissions.includes(permission);
}
