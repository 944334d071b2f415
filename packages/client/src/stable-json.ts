import type { WireRef } from './wire.js';

/** JSON with object keys sorted: equal params in any key order name the same subscription. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`);
  return `{${members.join(',')}}`;
}

/** `channel::{"a":"1"}` for channels (the reference frontend's key), the id itself for channel ids. */
export function subscriptionKey(ref: WireRef): string {
  return 'channelId' in ref ? ref.channelId : `${ref.channel}::${stableJson(ref.params)}`;
}
