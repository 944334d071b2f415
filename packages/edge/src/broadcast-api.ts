import { encodeEnvelope, EnvelopeError, rawMembers, validateEventName, validateStreamName } from '@herald/protocol';
import type { TemplatedApp } from 'uWebSockets.js';
import { apiPost } from './api-auth.js';
import type { EdgeContext } from './context.js';
import { respondError, respondJson } from './http.js';

/** Items per `POST /v1/broadcast`. */
export const MAX_BROADCAST_ITEMS = 100;

/** The members of the platform's canonical envelope: data made only of these (with a string `event`) is one. */
const ENVELOPE_KEYS = new Set(['event', 'resource_type', 'resource_id', 'payload', 'timestamp']);

/** One broadcast, checked and encoded. */
export interface Broadcast {
  readonly stream: string;
  readonly envelope: string;
}

/**
 * `POST /v1/broadcast` (API key): publishing in ActionCable's shape, as
 * AnyCable's HTTP broadcaster sends it — `{"stream","data"}` or an array of
 * them, `data` a JSON string (or, for convenience, a JSON value). Rails apps
 * point their broadcaster here and keep `ActionCable.server.broadcast`.
 */
export function registerBroadcastApi(app: TemplatedApp, ctx: EdgeContext): void {
  apiPost(app, ctx, '/v1/broadcast', async (reply, body, trace) => {
    let items: Broadcast[];
    try {
      items = parseBroadcastBody(body);
    } catch (err) {
      if (err instanceof EnvelopeError) return respondError(reply, 400, 'bad_request', err.message);
      throw err;
    }
    // One at a time, in order: a client reading several of these streams sees them in the order sent.
    const published: { stream: string; offset: number; epoch: string }[] = [];
    for (const [i, item] of items.entries()) {
      try {
        const result = await ctx.deps.publisher.publishEnvelope([item.stream], item.envelope, trace);
        published.push(...result.streams.map((s) => ({ stream: s.stream, offset: s.offset, epoch: s.epoch })));
      } catch (err) {
        if (err instanceof EnvelopeError) return respondError(reply, 400, 'bad_request', `item ${i}: ${err.message}`, { published });
        ctx.deps.log.error('broadcast failed', { item: i, error: err });
        return respondError(reply, 503, 'publish_failed', `item ${i} was not stored (items before it were); retry from it`, { published });
      }
    }
    respondJson(reply, 200, { published });
  });
}

/**
 * Parse a broadcast body into envelopes, keeping the bytes of `data`. Throws EnvelopeError naming
 * the bad item (`item 2: …`); nothing is published unless every item is good.
 */
export function parseBroadcastBody(body: string, now: () => Date = () => new Date()): Broadcast[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new EnvelopeError('body must be JSON: {"stream","data"} or an array of them');
  }
  const texts = Array.isArray(value) ? rawElements(body) : [body];
  if (texts.length === 0) throw new EnvelopeError('the array of broadcasts is empty');
  if (texts.length > MAX_BROADCAST_ITEMS) throw new EnvelopeError(`at most ${MAX_BROADCAST_ITEMS} broadcasts per request (got ${texts.length})`);
  return texts.map((text, i) => {
    try {
      return parseItem(text, now);
    } catch (err) {
      if (err instanceof EnvelopeError) throw new EnvelopeError(Array.isArray(value) ? `item ${i}: ${err.message}` : err.message);
      throw err;
    }
  });
}

function parseItem(text: string, now: () => Date): Broadcast {
  let members: Map<string, string>;
  try {
    members = rawMembers(text);
  } catch {
    throw new EnvelopeError('a broadcast must be an object {"stream","data"}');
  }
  const streamRaw = members.get('stream');
  const stream: unknown = streamRaw === undefined ? undefined : JSON.parse(streamRaw);
  if (stream === undefined) throw new EnvelopeError('stream is missing');
  const streamProblem = validateStreamName(stream);
  if (streamProblem) throw new EnvelopeError(streamProblem);
  const dataRaw = members.get('data');
  if (dataRaw === undefined) throw new EnvelopeError('data is missing');
  const dataValue: unknown = JSON.parse(dataRaw);
  let dataText: string;
  if (typeof dataValue === 'string') {
    // AnyCable's format: data is JSON text inside a string.
    dataText = dataValue;
    try {
      JSON.parse(dataText);
    } catch {
      throw new EnvelopeError('data is not valid JSON (AnyCable sends it as a JSON-encoded string)');
    }
  } else if (dataValue !== null && typeof dataValue === 'object') {
    dataText = dataRaw; // an object or array given as is: its exact bytes
  } else {
    throw new EnvelopeError('data must be a JSON string (or a JSON object or array)');
  }
  return { stream: stream as string, envelope: envelopeFor(dataText, now) };
}

/**
 * Data in the platform's envelope shape (a string `event`, nothing but envelope members) is
 * published as that envelope; anything else is the payload of a `raw` envelope, named by its
 * `type` (or else its `event`) when that is a valid event name, else `message`. ActionCable clients receive raw data
 * exactly as broadcast; other dialects get `{event, payload}`.
 */
function envelopeFor(dataText: string, now: () => Date): string {
  const parsed: unknown = JSON.parse(dataText);
  const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  const obj = isObject ? (parsed as Record<string, unknown>) : undefined;
  if (obj && typeof obj['event'] === 'string' && Object.keys(obj).every((k) => ENVELOPE_KEYS.has(k))) {
    const problem = validateEventName(obj['event']);
    if (problem) throw new EnvelopeError(`data.${problem}`);
    const members = rawMembers(dataText);
    const timestamp = obj['timestamp'];
    if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))) throw new EnvelopeError('data.timestamp must be an ISO 8601 string');
    return encodeEnvelope({
      event: obj['event'],
      resource_type: optionalField(obj['resource_type'], 'resource_type'),
      resource_id: optionalField(obj['resource_id'], 'resource_id'),
      payloadJson: members.get('payload') ?? 'null',
      timestamp: (timestamp as string | undefined) ?? now().toISOString(),
    });
  }
  const named = (v: unknown): v is string => typeof v === 'string' && validateEventName(v) === undefined;
  const event = named(obj?.['type']) ? obj['type'] : named(obj?.['event']) ? obj['event'] : 'message';
  return encodeEnvelope({ event, payloadJson: dataText, timestamp: now().toISOString(), raw: true });
}

function optionalField(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string' || v.length > 200) throw new EnvelopeError(`data.${name} must be a string of at most 200 characters`);
  return v;
}

/** The exact source text of each element of a JSON array (already validated by JSON.parse). */
function rawElements(json: string): string[] {
  const out: string[] = [];
  let i = json.indexOf('[') + 1;
  let start = -1;
  let depth = 0;
  for (; i < json.length; i++) {
    const c = json[i] as string;
    if (c === '"') {
      if (start < 0) start = i;
      for (i++; i < json.length && json[i] !== '"'; i++) if (json[i] === '\\') i++;
      continue;
    }
    if (depth === 0 && (c === ',' || c === ']')) {
      if (start >= 0) out.push(json.slice(start, i).trim());
      start = -1;
      if (c === ']') break;
      continue;
    }
    if (start < 0 && !/\s/.test(c)) start = i;
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return out;
}
