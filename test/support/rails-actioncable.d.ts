/**
 * Types for the parts of `@rails/actioncable` (8.x, shipped as plain JavaScript) the tests use.
 * Written from app/assets/javascripts/actioncable.esm.js; only what the tests touch.
 */
declare module '@rails/actioncable' {
  export interface ChannelParams {
    channel: string;
    [param: string]: unknown;
  }

  /** The callbacks a subscription may define; `this` is the subscription. */
  export interface SubscriptionMixin {
    initialized?(): void;
    connected?(data: { reconnected: boolean }): void;
    disconnected?(data: { willAttemptReconnect: boolean }): void;
    rejected?(): void;
    received?(data: unknown): void;
  }

  export class Subscription {
    readonly consumer: Consumer;
    /** `JSON.stringify(params)`: what every frame of this subscription carries. */
    readonly identifier: string;
    perform(action: string, data?: Record<string, unknown>): boolean;
    send(data: Record<string, unknown>): boolean;
    unsubscribe(): Subscription;
  }

  export class Subscriptions {
    subscriptions: Subscription[];
    create<M extends SubscriptionMixin>(channel: string | ChannelParams, mixin?: M & ThisType<Subscription & M>): Subscription & M;
    findAll(identifier: string): Subscription[];
  }

  export class ConnectionMonitor {
    static staleThreshold: number;
    static reconnectionBackoffRate: number;
    reconnectAttempts: number;
    isRunning(): boolean;
  }

  export class Connection {
    static reopenDelay: number;
    readonly monitor: ConnectionMonitor;
    disconnected: boolean;
    isOpen(): boolean;
    isActive(): boolean;
    getState(): string | null;
    getProtocol(): string | undefined;
  }

  export class Consumer {
    readonly subscriptions: Subscriptions;
    readonly connection: Connection;
    /** Calls the URL function, if the consumer was given one, on every read. */
    readonly url: string;
    send(data: Record<string, unknown>): boolean;
    connect(): boolean;
    disconnect(): void;
    ensureActiveConnection(): void;
    addSubProtocol(subprotocol: string): void;
  }

  export function createConsumer(url?: string | (() => string)): Consumer;

  /** Module-wide: the WebSocket constructor every consumer opens sockets with, and the logger. */
  export const adapters: {
    logger: { log(...messages: unknown[]): void } | undefined;
    WebSocket: unknown;
  };
  export const logger: { enabled: boolean; log(...messages: unknown[]): void };
  export const INTERNAL: {
    message_types: Record<string, string>;
    disconnect_reasons: Record<string, string>;
    default_mount_path: string;
    protocols: string[];
  };
}
