/**
 * JSON-RPC 2.0 dialect (`/rpc`). `subscribe`, `unsubscribe`, `perform`,
 * `refresh` and `ping` are Herald's methods; any other method is forwarded to
 * a backend (an MCP server behind NATS answers `tools/list`, `tools/call`…).
 * Events and server notices are notifications (`event`, `unsubscribed`,
 * `welcome`, `disconnect`). Batches are refused (-32600): MCP dropped them,
 * and a batch would let one frame queue unbounded work.
 */
import type { ChannelRef, ErrorCode, ParseResult, RequestId } from './native.js';
import { nativeCommand } from './native.js';

/** Standard codes, then Herald's own in the server-error range the spec reserves (-32000 … -32099). */
export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  BackendTimeout: -32000,
  Forbidden: -32001,
  UnknownChannel: -32002,
  Unavailable: -32003,
  NotSubscribed: -32004,
  UnknownAction: -32005,
  ActionFailed: -32006,
  NoHandler: -32007,
  RefreshFailed: -32008,
  RateLimited: -32009,
} as const;

const CODE_OF: Readonly<Record<string, number>> = {
  bad_json: RpcCode.ParseError,
  bad_frame: RpcCode.InvalidRequest,
  unknown_type: RpcCode.MethodNotFound,
  invalid_params: RpcCode.InvalidParams,
  invalid_data: RpcCode.InvalidParams,
  internal: RpcCode.InternalError,
  forbidden: RpcCode.Forbidden,
  unknown_channel: RpcCode.UnknownChannel,
  authz_unavailable: RpcCode.Unavailable,
  unavailable: RpcCode.Unavailable,
  not_subscribed: RpcCode.NotSubscribed,
  unknown_action: RpcCode.UnknownAction,
  action_failed: RpcCode.ActionFailed,
  no_handler: RpcCode.NoHandler,
  refresh_failed: RpcCode.RefreshFailed,
  rate_limited: RpcCode.RateLimited,
};

/** JSON-RPC code for a Herald error code or subscription rejection reason (numbers pass through). */
export function rpcCode(code: ErrorCode | string | number): number {
  return typeof code === 'number' ? code : (CODE_OF[code] ?? RpcCode.InternalError);
}

const HERALD_METHODS = new Set(['subscribe', 'unsubscribe', 'perform', 'refresh', 'ping']);

export function parseJsonRpcFrame(text: string): ParseResult {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'Parse error' };
  }
  if (Array.isArray(msg)) return { ok: false, code: 'bad_frame', message: 'batch requests are not supported' };
  if (msg === null || typeof msg !== 'object') return { ok: false, code: 'bad_frame', message: 'a request must be a JSON object' };
  const m = msg as Record<string, unknown>;
  const rawId = m['id'];
  const idOk = rawId === undefined || rawId === null || typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId));
  const id = idOk && rawId !== null && rawId !== undefined ? (rawId as RequestId) : undefined;
  const fail = (code: ErrorCode, message: string): ParseResult => ({ ok: false, code, message, ...(id !== undefined ? { id } : {}) });
  if (!idOk || (typeof rawId === 'string' && rawId.length > 128)) return fail('bad_frame', 'id must be a string, a number or null');
  if (m['jsonrpc'] !== '2.0') return fail('bad_frame', 'jsonrpc must be "2.0"');
  const method = m['method'];
  if (typeof method !== 'string' || method.length === 0 || method.length > 200) return fail('bad_frame', 'method must be a non-empty string');
  const params = m['params'];
  if (params !== undefined && (params === null || typeof params !== 'object')) return fail('invalid_params', 'params must be an object or an array');

  if (!HERALD_METHODS.has(method)) return { ok: true, command: { type: 'call', method, params, ...(id !== undefined ? { id } : {}) } };
  // Herald's own methods take the native frame's fields as named params.
  if (params !== undefined && Array.isArray(params)) return fail('invalid_params', `${method} takes named params`);
  // The request's id replaces any `id` in params.
  const native = nativeCommand({ ...(params as object | undefined), type: method, id });
  if (!native.ok) return fail(native.code === 'bad_frame' ? 'invalid_params' : native.code, native.message);
  return { ok: true, command: native.command };
}

const rid = (id: RequestId | undefined): string => (id === undefined ? 'null' : JSON.stringify(id));
const echo = (ref: ChannelRef): object => ('channelId' in ref ? { channelId: ref.channelId } : { channel: ref.channel, params: ref.params });

export const jsonRpcFrames = {
  result(id: RequestId, resultJson: string): string {
    return `{"jsonrpc":"2.0","id":${rid(id)},"result":${resultJson}}`;
  },
  error(id: RequestId | undefined, code: number, message: string, data?: unknown): string {
    const d = data === undefined ? '' : `,"data":${JSON.stringify(data)}`;
    return `{"jsonrpc":"2.0","id":${rid(id)},"error":{"code":${code},"message":${JSON.stringify(message)}${d}}}`;
  },
  notification(method: string, paramsJson: string): string {
    return `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${paramsJson}}`;
  },
  echo,
};
