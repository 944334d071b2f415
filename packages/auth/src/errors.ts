/** Why a token or upgrade request was refused. Stable strings: they appear in 401 bodies and metric labels. */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_token'
  | 'invalid_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'algorithm_not_allowed'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'jwks_unavailable'
  | 'origin_not_allowed'
  | 'revoked';

export class AuthError extends Error {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
