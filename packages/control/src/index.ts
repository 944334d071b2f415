export {
  REVOCATION_KINDS,
  MAX_REASON_LENGTH,
  MAX_VALUE_LENGTH,
  RevocationList,
  isRevocationKind,
  parseRevocation,
  revocationMatches,
  validateRevokeInput,
  type Revocation,
  type RevocationKind,
  type RevokeInput,
} from './revocation.js';
export { DEFAULT_REVOCATION_TTL_MS, type ControlPlane } from './plane.js';
export { MemoryControlPlane, type MemoryControlOptions } from './memory.js';
export { DEFAULT_CONTROL_BUCKET, DEFAULT_CONTROL_PREFIX, NatsControlPlane, type NatsControlOptions } from './nats.js';
