import { decodeWireIdentity, parseWire, toWire, WireError, wireRecord, wireStringMap, type Identity } from '@herald/auth';
import { escapeToken } from './subjects.js';

/**
 * Client actions and JSON-RPC methods, edge → backend over NATS request/reply
 * (cluster mode). JSON bodies; everything read off the wire is validated, so a
 * malformed message is a BackendWireError, never a crash.
 *
 *   herald.action.<channel>.<action>   queue group herald-actions
 *   herald.rpc.<method>                queue group herald-rpc; `herald.rpc.>` (every method) joins the same
 *                                      group, so each request reaches exactly one subscription
 *
 * request (action) {"identity":{…},"channel","params","action","data","connectionId"}
 * request (rpc)    {"identity":{…},"method","params"?,"connectionId"}
 * reply            {"result":…} | {"error":{"code","message","data"?}}   (code: string for actions, number for RPC)
 */
export const ACTION_SUBJECT_PREFIX = 'herald.action';
export const ACTION_QUEUE = 'herald-actions';
export const RPC_SUBJECT_PREFIX = 'herald.rpc';
export const RPC_SUBJECT_ALL = 'herald.rpc.>';
export const RPC_QUEUE = 'herald-rpc';

/** `AiConversationChannel`, `send_message` → `herald.action.AiConversationChannel.send_message` */
export function actionSubject(channel: string, action: string): string {
  return `${ACTION_SUBJECT_PREFIX}.${escapeToken(channel)}.${escapeToken(action)}`;
}

/** `tools/list` → `herald.rpc.tools=2Flist` (the method is always one token). */
export function rpcSubject(method: string): string {
  return `${RPC_SUBJECT_PREFIX}.${escapeToken(method)}`;
}

/**
 * Who performed the request: the verified identity (`@herald/auth`'s Identity).
 * `tokenHash` is the SHA-256 of the token (the key for session revocation);
 * the token itself never travels.
 */
export type BackendIdentity = Identity;

export interface BackendActionRequest {
  readonly identity: BackendIdentity;
  readonly channel: string;
  readonly params: Readonly<Record<string, string>>;
  readonly action: string;
  readonly data: unknown;
  readonly connectionId: string;
}

export interface BackendRpcRequest {
  readonly identity: BackendIdentity;
  readonly method: string;
  /** As JSON-RPC allows: absent, an array or an object. */
  readonly params: unknown;
  readonly connectionId: string;
}

export interface BackendErrorBody<C extends string | number> {
  readonly code: C;
  readonly message: string;
  readonly data?: unknown;
}

export type BackendReply<C extends string | number> = { readonly result: unknown } | { readonly error: BackendErrorBody<C> };
export type ActionReply = BackendReply<string>;
export type RpcReply = BackendReply<number>;

/** A malformed request or reply body. */
export { WireError as BackendWireError };

export function encodeActionRequest(r: BackendActionRequest): Uint8Array {
  return toWire({ identity: identityFields(r.identity), channel: r.channel, params: r.params, action: r.action, data: r.data ?? null, connectionId: r.connectionId });
}

export function decodeActionRequest(data: Uint8Array): BackendActionRequest {
  const body = wireRecord(parseWire(data), 'request');
  return {
    identity: decodeWireIdentity(body['identity']),
    channel: nonEmpty(body, 'channel'),
    params: wireStringMap(body['params'] ?? {}, 'params'),
    action: nonEmpty(body, 'action'),
    data: body['data'] ?? null,
    connectionId: str(body, 'connectionId'),
  };
}

export function encodeRpcRequest(r: BackendRpcRequest): Uint8Array {
  return toWire({ identity: identityFields(r.identity), method: r.method, ...(r.params !== undefined ? { params: r.params } : {}), connectionId: r.connectionId });
}

export function decodeRpcRequest(data: Uint8Array): BackendRpcRequest {
  const body = wireRecord(parseWire(data), 'request');
  const params = body['params'];
  if (params !== undefined && (params === null || typeof params !== 'object')) throw new WireError('params must be an array or an object');
  return { identity: decodeWireIdentity(body['identity']), method: nonEmpty(body, 'method'), params, connectionId: str(body, 'connectionId') };
}

export function encodeActionReply(reply: ActionReply): Uint8Array {
  return encodeReply(reply);
}

export function decodeActionReply(data: Uint8Array): ActionReply {
  return decodeReply(data, 'string');
}

export function encodeRpcReply(reply: RpcReply): Uint8Array {
  return encodeReply(reply);
}

export function decodeRpcReply(data: Uint8Array): RpcReply {
  return decodeReply(data, 'number');
}

function encodeReply(reply: BackendReply<string | number>): Uint8Array {
  if ('error' in reply) {
    const { code, message, data } = reply.error;
    return toWire({ error: { code, message, ...(data !== undefined ? { data } : {}) } });
  }
  // JSON has no undefined: a handler that returns nothing answers null.
  return toWire({ result: reply.result ?? null });
}

function decodeReply<T extends 'string' | 'number'>(data: Uint8Array, codeType: T): BackendReply<T extends 'string' ? string : number> {
  const body = wireRecord(parseWire(data), 'reply');
  if (body['error'] !== undefined) {
    const e = wireRecord(body['error'], 'error');
    const code = e['code'];
    if (typeof code !== codeType || (codeType === 'number' && !Number.isInteger(code))) throw new WireError(`error.code must be a${codeType === 'number' ? 'n integer' : ' string'}`);
    const message = str(e, 'message', 'error.message');
    return { error: { code: code as T extends 'string' ? string : number, message, ...(e['data'] !== undefined ? { data: e['data'] } : {}) } };
  }
  if (!('result' in body)) throw new WireError('reply needs a result or an error');
  return { result: body['result'] };
}

function identityFields(i: BackendIdentity): BackendIdentity {
  // Named fields only: whatever else the caller's object carries stays on this side.
  return {
    userId: i.userId,
    accountId: i.accountId,
    permissions: i.permissions,
    kind: i.kind,
    sessionId: i.sessionId,
    apiTokenId: i.apiTokenId,
    expiresAt: i.expiresAt,
    issuedAt: i.issuedAt,
    tokenHash: i.tokenHash,
  };
}

function str(body: Record<string, unknown>, key: string, what = key): string {
  const v = body[key];
  if (typeof v !== 'string') throw new WireError(`${what} must be a string`);
  return v;
}

function nonEmpty(body: Record<string, unknown>, key: string, what = key): string {
  const v = str(body, key, what);
  if (v === '') throw new WireError(`${what} must not be empty`);
  return v;
}
