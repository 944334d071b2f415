/**
 * ActionCable dialect (`/cable`, subprotocol `actioncable-v1-json`): what the
 * official `@rails/actioncable` client speaks. Client frames are commands
 * naming a subscription by its `identifier` (a JSON string the client built);
 * server frames echo that string byte for byte.
 */
import { isParseFailure, readFrameObject, type ChannelRef, type ParseResult } from './native.js';

export const ACTIONCABLE_SUBPROTOCOL = 'actioncable-v1-json';

/** Rails' disconnect reasons, which the client logs; `reconnect` is what it acts on. */
export const ActionCableReason = {
  Unauthorized: 'unauthorized',
  InvalidRequest: 'invalid_request',
  ServerRestart: 'server_restart',
  Remote: 'remote',
} as const;

/** The longest identifier accepted: it is echoed in every frame of the subscription. */
const MAX_IDENTIFIER = 1024;

export function parseActionCableFrame(text: string): ParseResult {
  const m = readFrameObject(text);
  if (isParseFailure(m)) return m;
  const identifier = m['identifier'];
  if (typeof identifier !== 'string' || identifier.length === 0 || identifier.length > MAX_IDENTIFIER) {
    return { ok: false, code: 'bad_frame', message: 'command needs an identifier string' };
  }
  const ref = refOf(identifier);
  if (typeof ref === 'string') return { ok: false, code: 'bad_frame', message: ref };
  switch (m['command']) {
    case 'subscribe':
      return { ok: true, command: { type: 'subscribe', ref } };
    case 'unsubscribe':
      return { ok: true, command: { type: 'unsubscribe', ref } };
    case 'message': {
      // `data` is itself a JSON string: `{"action":"send_message","content":"hi"}`.
      let data: unknown;
      try {
        data = typeof m['data'] === 'string' ? JSON.parse(m['data']) : m['data'];
      } catch {
        return { ok: false, code: 'bad_json', message: 'message data is not valid JSON' };
      }
      if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, code: 'bad_frame', message: 'message data must be an object' };
      const { action, ...rest } = data as Record<string, unknown>;
      if (typeof action !== 'string' || action.length === 0 || action.length > 100) return { ok: false, code: 'bad_frame', message: 'message data needs an action' };
      // The identifier doubles as the request id: replies go back to that subscription.
      return { ok: true, command: { type: 'perform', ref, action, data: rest, id: identifier } };
    }
    default:
      return { ok: false, code: 'unknown_type', message: `unknown command ${JSON.stringify(m['command'] ?? null).slice(0, 64)}` };
  }
}

/** `{"channel":"AiConversationChannel","conversation_id":42}` → channel and params. */
function refOf(identifier: string): ChannelRef | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(identifier);
  } catch {
    return 'identifier is not valid JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'identifier must be a JSON object';
  const { channel, ...params } = parsed as Record<string, unknown>;
  if (typeof channel !== 'string' || channel.length === 0) return 'identifier needs a channel';
  return { channel, params, identifier };
}

const ident = (identifier: string): string => JSON.stringify(identifier);

export const actionCableFrames = {
  welcome: (): string => '{"type":"welcome"}',
  ping: (unixSeconds: number): string => `{"type":"ping","message":${unixSeconds}}`,
  confirm: (identifier: string): string => `{"identifier":${ident(identifier)},"type":"confirm_subscription"}`,
  reject: (identifier: string): string => `{"identifier":${ident(identifier)},"type":"reject_subscription"}`,
  /** A message on one subscription; `messageJson` is spliced in as it is. */
  message: (identifier: string, messageJson: string): string => `{"identifier":${ident(identifier)},"message":${messageJson}}`,
  disconnect: (reason: string, reconnect: boolean): string => `{"type":"disconnect","reason":${JSON.stringify(reason)},"reconnect":${reconnect}}`,
  /** Per-stream prefix of data frames: the identifier is fixed per subscription, so it is escaped once. */
  messagePrefix: (identifier: string): string => `{"identifier":${ident(identifier)},"message":`,
};
