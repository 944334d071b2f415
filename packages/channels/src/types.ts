import type { IdentityField, Rule } from '@herald/authz';

/**
 * How a client names a subscription:
 * - `named`: `{channel: "AiConversationChannel", params: {...}}` (ActionCable-style classes)
 * - `channelId`: `{channelId: "agent:my-agent"}` (`<name>:<id>`; the id becomes the `id` param)
 * - `path`: the WebSocket URL path is the subscription (`/ws/agents/{agent_id}`)
 */
export type ChannelKind = 'named' | 'channelId' | 'path';

export interface ParamSpec {
  /** Missing required params reject the subscription. Default false. */
  readonly required?: boolean;
  /** Allowed values; anything else rejects the subscription. */
  readonly enum?: readonly string[];
  /** Filled from the identity when the client omits it (params implied by identity). */
  readonly fromIdentity?: IdentityField;
  readonly description?: string;
}

export interface ParamsSchema {
  readonly fields: Readonly<Record<string, ParamSpec>>;
  /** Each group lists params of which exactly one must be present. */
  readonly exactlyOneOf?: readonly (readonly string[])[];
}

export type ActionFieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'any';

export interface ActionSpec {
  readonly description: string;
  readonly data: Readonly<Record<string, { readonly type: ActionFieldType; readonly required?: boolean }>>;
  /**
   * `request`: forwarded to the owning backend (NATS `herald.action.<channel>.<action>`); its answer is the reply.
   * `broadcast`: ephemeral, fanned out straight to the channel's streams as event `event`, excluding the sender.
   */
  readonly mode: 'request' | 'broadcast';
  /** Event name for `broadcast` actions (defaults to the action name). */
  readonly event?: string;
}

export interface OnSubscribe {
  /** Send this synthetic event to the subscriber right after `subscribed` (not stored, no offset). */
  readonly greeting?: { readonly event: string };
  /** Send the stream's latest stored event (current state) right after `subscribed`. */
  readonly snapshot?: boolean;
}

export interface ChannelDef {
  /** Class name (`named`), channel-id prefix (`channelId`), or path family (`path`). */
  readonly name: string;
  readonly kind: ChannelKind;
  /** Which platform documents it, and what it carries (one line; used in docs/channels.md). */
  readonly description: string;
  readonly params: ParamsSchema;
  /**
   * Stream templates with `{param}` placeholders. With `select: 'first'` (default) the first
   * template whose placeholders are all present gives the one stream; with `'all'` every
   * template gives a stream.
   */
  readonly streams: readonly string[];
  readonly select?: 'first' | 'all';
  readonly rule: Rule;
  /** Whether the channel's streams keep history (offsets, replay on resume, snapshots). */
  readonly history: boolean;
  readonly onSubscribe?: OnSubscribe;
  readonly actions?: Readonly<Record<string, ActionSpec>>;
  /** For `path` channels: the URL pattern, e.g. `/ws/agents/{agent_id}`. */
  readonly path?: string;
  /**
   * Herald subscribes every connection to it on open (params implied by the
   * identity), and it does not count against the client's subscription limit.
   */
  readonly automatic?: boolean;
}

/** What a client asked for, before validation. */
export type SubscriptionRequest =
  | { readonly channel: string; readonly params?: unknown }
  | { readonly channelId: string };

export type ResolveFailure = 'unknown_channel' | 'invalid_params';

export type Resolved = {
  readonly ok: true;
  readonly def: ChannelDef;
  /** Validated, normalized params (strings), implied params filled in, unknown params dropped. */
  readonly params: Readonly<Record<string, string>>;
  readonly streams: readonly string[];
  /** Canonical identity of the subscription: the same key means the same subscription. */
  readonly key: string;
};

export type ResolveResult = Resolved | { readonly ok: false; readonly reason: ResolveFailure; readonly message: string };
