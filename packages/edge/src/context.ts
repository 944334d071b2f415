import type { TokenVerifier } from '@herald/auth';
import type { Authorizer, Invalidation, OwnershipStore } from '@herald/authz';
import type { Bus } from '@herald/bus';
import type { Catalog } from '@herald/channels';
import type { EdgeConfig } from '@herald/config';
import type { ControlPlane } from '@herald/control';
import type { PublishResult, TraceContext } from '@herald/producer';
import type { ActionDispatcher, RpcDispatcher } from '@herald/session';
import type { EdgeMetrics, Logger } from '@herald/telemetry';

/** Publishes an envelope that is already encoded (the HTTP API encodes once, at the edge of the system). */
export interface EnvelopePublisher {
  publishEnvelope(streams: readonly string[], envelope: string, trace?: TraceContext): Promise<PublishResult>;
}

/** What an edge process is built from; embedded and cluster mode pass different implementations. */
export interface EdgeDeps {
  readonly config: EdgeConfig;
  readonly catalog: Catalog;
  readonly bus: Bus;
  readonly owners: OwnershipStore;
  readonly authorizer: Authorizer;
  readonly verifier: TokenVerifier;
  readonly actions: ActionDispatcher;
  /** JSON-RPC methods: in-process handlers in embedded mode, backends over NATS (`herald.rpc.<method>`) in cluster mode. */
  readonly rpc: RpcDispatcher;
  readonly publisher: EnvelopePublisher;
  /** Revocations: checked on every upgrade, and matching sockets are closed when one arrives. */
  readonly control: ControlPlane;
  /** Subscribe to access changes (ownership moved, permissions changed): matching subscriptions are re-checked. */
  readonly accessChanges: (listener: (change: Invalidation) => void) => () => void;
  /** False while the bus is unreachable (readyz answers 503 so the load balancer sends new sockets elsewhere). */
  readonly busConnected?: () => boolean;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  /** HTML of the console page served at `/`, when enabled. */
  readonly consoleHtml?: string;
  /** Development token minting for the console (`POST /v1/dev/token`); absent outside development mode. */
  readonly devTokens?: (request: { sub: string; account?: string; permissions?: string[] }) => Promise<{ token: string; expiresAt: number }>;
}

/** What the HTTP and WebSocket handlers read: the process's parts and its live state. */
export interface EdgeContext {
  readonly deps: EdgeDeps;
  readonly draining: boolean;
  readonly connectionCount: number;
}
