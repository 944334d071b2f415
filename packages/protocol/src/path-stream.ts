/**
 * Path-stream dialect (`/ws/agents/{id}`, `/ws/system`, …): the URL is the
 * subscription. Events are the payload's members with the event name as
 * `type` (`{"type":"AGENT_SPAWNED","agent_id":…}`); the only client frame is
 * `{"type":"ping"}`, answered with `{"type":"pong"}`.
 */
import { isParseFailure, readFrameObject, type ErrorCode, type ParseResult } from './native.js';

export function parsePathStreamFrame(text: string): ParseResult {
  const m = readFrameObject(text);
  if (isParseFailure(m)) return m;
  if (m['type'] === 'ping') return { ok: true, command: { type: 'ping' } };
  return { ok: false, code: 'unknown_type', message: 'this stream is read-only; the only frame accepted is {"type":"ping"}' };
}

export const pathStreamFrames = {
  pong: (): string => '{"type":"pong"}',
  error(code: ErrorCode | string, message: string): string {
    return `{"type":"error","code":${JSON.stringify(code)},"message":${JSON.stringify(message)}}`;
  },
  disconnect(reason: string, reconnect: boolean): string {
    return `{"type":"disconnect","reason":${JSON.stringify(reason)},"reconnect":${reconnect}}`;
  },
  /**
   * The payload's members after `type`; a payload that is not an object goes in `data`.
   * `{}` → `{"type":"X"}`; `{"a":1}` → `{"type":"X","a":1}`.
   */
  event(eventJson: string, payloadJson: string): string {
    const p = payloadJson.trimStart();
    if (!p.startsWith('{')) return `{"type":${eventJson},"data":${payloadJson}}`;
    const body = p.slice(1).trimStart();
    return body.startsWith('}') ? `{"type":${eventJson}}` : `{"type":${eventJson},${body}`;
  },
};
