import { rawMembers, scanMembers } from './json-raw.js';

/**
 * The canonical event envelope producers publish:
 * `{"event":…,"resource_type":…,"resource_id":…,"payload":…,"timestamp":…}`.
 * It is built once at publish time and then spliced into every client frame.
 */
export interface EnvelopeFields {
  readonly event: string;
  readonly resource_type?: string | undefined;
  readonly resource_id?: string | undefined;
  /** Raw JSON text of the payload (passed through unchanged). */
  readonly payloadJson: string;
  readonly timestamp: string;
  /**
   * The payload is a message published in ActionCable's shape (`{stream, data}`): ActionCable
   * clients get the payload itself as `message`, not the envelope. Written last, as `"raw":true`.
   */
  readonly raw?: boolean;
}

export const LIMITS = {
  eventName: 200,
  resourceField: 200,
  streamName: 512,
  streamsPerPublish: 32,
} as const;

const EVENT_NAME = /^[A-Za-z0-9_.:\-/]+$/;

export function encodeEnvelope(f: EnvelopeFields): string {
  let out = `{"event":${JSON.stringify(f.event)}`;
  if (f.resource_type !== undefined) out += `,"resource_type":${JSON.stringify(f.resource_type)}`;
  if (f.resource_id !== undefined) out += `,"resource_id":${JSON.stringify(f.resource_id)}`;
  return `${out},"payload":${f.payloadJson},"timestamp":${JSON.stringify(f.timestamp)}${f.raw ? RAW_MARK : '}'}`;
}

const RAW_MARK = ',"raw":true}';

/** The parts of a stored envelope other dialects re-frame: its event name and raw payload. */
export interface EnvelopeParts {
  readonly event: string;
  readonly payloadJson: string;
  readonly raw: boolean;
}

/**
 * Splits an envelope Herald encoded (`encodeEnvelope`): once per message per dialect that needs
 * the parts, never per socket. Malformed input (a producer that bypassed the SDK) yields an
 * `event` of `message` and the whole text as payload rather than an exception in the fan-out.
 */
export function envelopeParts(envelope: string): EnvelopeParts {
  try {
    const m = scanMembers(envelope);
    const event = m.get('event');
    return {
      event: event ? (JSON.parse(event) as string) : 'message',
      payloadJson: m.get('payload') ?? 'null',
      raw: envelope.endsWith(RAW_MARK),
    };
  } catch {
    return { event: 'message', payloadJson: envelope, raw: false };
  }
}

/** Whether the envelope carries an ActionCable-shaped broadcast (see `EnvelopeFields.raw`); O(1). */
export const isRawEnvelope = (envelope: string): boolean => envelope.endsWith(RAW_MARK);

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** A stream name: 1-512 chars, no control characters. */
export function validateStreamName(stream: unknown): string | undefined {
  if (typeof stream !== 'string' || stream.length === 0) return 'stream must be a non-empty string';
  if (stream.length > LIMITS.streamName) return `stream longer than ${LIMITS.streamName} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(stream)) return 'stream contains control characters';
  return undefined;
}

export function validateEventName(event: unknown): string | undefined {
  if (typeof event !== 'string' || event.length === 0) return 'event must be a non-empty string';
  if (event.length > LIMITS.eventName) return `event longer than ${LIMITS.eventName} characters`;
  if (!EVENT_NAME.test(event)) return 'event may only contain letters, digits and _ . : - /';
  return undefined;
}

export interface ParsedPublish {
  readonly streams: readonly string[];
  readonly envelope: string;
}

/**
 * Parse a publish request body (`{streams, event, resource_type, resource_id, payload, timestamp}`)
 * into streams + envelope, keeping the payload's exact bytes. Throws EnvelopeError with a
 * message fit for a 400 response.
 */
export function parsePublishBody(body: string, now: () => Date = () => new Date()): ParsedPublish {
  let members: Map<string, string>;
  try {
    members = rawMembers(body);
  } catch {
    throw new EnvelopeError('body must be a JSON object');
  }
  const get = (k: string): unknown => {
    const raw = members.get(k);
    return raw === undefined ? undefined : JSON.parse(raw);
  };
  const streamsValue = get('streams') ?? (members.has('stream') ? [get('stream')] : undefined);
  if (!Array.isArray(streamsValue) || streamsValue.length === 0) throw new EnvelopeError('streams must be a non-empty array');
  if (streamsValue.length > LIMITS.streamsPerPublish) throw new EnvelopeError(`at most ${LIMITS.streamsPerPublish} streams per publish`);
  for (const s of streamsValue) {
    const problem = validateStreamName(s);
    if (problem) throw new EnvelopeError(problem);
  }
  const event = get('event');
  const eventProblem = validateEventName(event);
  if (eventProblem) throw new EnvelopeError(eventProblem);
  const resourceType = optionalString(get('resource_type'), 'resource_type');
  const resourceId = optionalResourceId(get('resource_id'));
  const timestamp = get('timestamp');
  if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))) {
    throw new EnvelopeError('timestamp must be an ISO 8601 string');
  }
  return {
    streams: [...new Set(streamsValue as string[])],
    envelope: encodeEnvelope({
      event: event as string,
      resource_type: resourceType,
      resource_id: resourceId,
      payloadJson: members.get('payload') ?? 'null',
      timestamp: (timestamp as string | undefined) ?? now().toISOString(),
    }),
  };
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > LIMITS.resourceField) throw new EnvelopeError(`${name} must be a string of at most ${LIMITS.resourceField} characters`);
  return v;
}

function optionalResourceId(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return optionalString(v, 'resource_id');
}
