import type { ChannelRef } from '@herald/client';
import { $, clear, el, inputValue, setNote } from './dom.js';

/** The channel picker, built from `/v1/channels`, and the quick buttons for the page's defaults. */

export interface Default {
  readonly channel: string;
  readonly params?: Record<string, string>;
}

interface ParamSpec {
  readonly required?: boolean;
  readonly enum?: readonly string[];
  readonly description?: string;
  readonly fromIdentity?: string;
}

interface ChannelInfo {
  readonly name: string;
  readonly kind: 'named' | 'channelId' | 'path';
  readonly description?: string;
  readonly params?: Record<string, ParamSpec>;
  readonly exactlyOneOf?: readonly (readonly string[])[];
}

let channels: ChannelInfo[] = [];

const channelDef = (name: string): ChannelInfo | undefined => channels.find((c) => c.name === name);

/** A channel and params (from the defaults or the form) as a subscription: a full channel id, a channel-id prefix + `id`, or a named channel. */
export function toRequest(channel: string, params: Record<string, string> = {}): ChannelRef {
  if (channel.indexOf(':') > 0) return { channelId: channel };
  if (channelDef(channel)?.kind === 'channelId') return { channelId: `${channel}:${params['id'] ?? ''}` };
  return { channel, params };
}

export function labelOf(ref: ChannelRef): string {
  if ('channelId' in ref) return ref.channelId;
  const parts = Object.entries(ref.params ?? {}).map(([k, v]) => `${k}=${v}`);
  return ref.channel + (parts.length ? ` {${parts.join(', ')}}` : '');
}

export function loadChannels(defaults: readonly Default[], onPick: (ref: ChannelRef) => void): void {
  fetch('/v1/channels')
    .then((res) => res.json() as Promise<{ channels?: ChannelInfo[] }>)
    .then((data) => {
      channels = (Array.isArray(data?.channels) ? data.channels : []).filter((c) => c.kind !== 'path');
      const select = $<HTMLSelectElement>('channel-select');
      clear(select);
      for (const kind of ['named', 'channelId'] as const) {
        const group = el('optgroup', { label: kind === 'named' ? 'Channels' : 'Channel ids' });
        for (const c of channels.filter((x) => x.kind === kind)) group.appendChild(el('option', { value: c.name }, [kind === 'channelId' ? `${c.name}:<id>` : c.name]));
        if (group.childNodes.length) select.appendChild(group);
      }
      const first = defaults[0] && channelDef(defaults[0].channel) ? defaults[0].channel : channels[0]?.name;
      if (first) select.value = first;
      renderParams(defaults);
      renderQuick(defaults, onPick);
    })
    .catch((err: unknown) => {
      const select = $('channel-select');
      clear(select);
      select.appendChild(el('option', { value: '' }, ['channel list unavailable']));
      setNote('channel-description', `Could not load /v1/channels: ${String(err)}`, true);
    });
}

function prefill(defaults: readonly Default[], def: ChannelInfo, name: string): string {
  const d = defaults.find((x) => x.channel === def.name && x.params?.[name] !== undefined);
  if (d) return String(d.params![name]);
  return name === 'account_id' ? inputValue('token-account') : '';
}

export function renderParams(defaults: readonly Default[]): void {
  const box = $('params');
  clear(box);
  const def = channelDef($<HTMLSelectElement>('channel-select').value);
  setNote('channel-description', def?.description ?? '');
  if (!def) return;
  let params = def.params ?? {};
  if (def.kind === 'channelId' && !('id' in params)) params = { id: { required: true } };
  const names = Object.keys(params);
  for (const name of names) {
    const spec = params[name] ?? {};
    const hint = spec.fromIdentity ? ` (implied: your ${spec.fromIdentity})` : spec.required ? ' (required)' : ' (optional)';
    let input: HTMLInputElement | HTMLSelectElement;
    if (Array.isArray(spec.enum)) {
      input = el('select', { 'data-param': name, id: `param-${name}` }, [spec.required ? null : el('option', { value: '' }, ['—'])]) as HTMLSelectElement;
      for (const v of spec.enum) input.appendChild(el('option', { value: v }, [v]));
    } else {
      input = el('input', { 'data-param': name, id: `param-${name}`, autocomplete: 'off', placeholder: spec.description ?? '' }) as HTMLInputElement;
    }
    const value = prefill(defaults, def, name);
    if (value !== '') input.value = value;
    box.appendChild(el('label', null, [el('span', null, [name + hint]), input]));
  }
  const oneOf = (def.exactlyOneOf ?? []).map((g) => g.join(' / '));
  if (oneOf.length) box.appendChild(el('p', { class: 'note' }, [`Exactly one of: ${oneOf.join('; ')}`]));
  if (!names.length) box.appendChild(el('p', { class: 'note' }, ['No params.']));
}

/** The form's channel and params, or undefined when no channel is picked. */
export function requestFromForm(): ChannelRef | undefined {
  const name = $<HTMLSelectElement>('channel-select').value;
  if (!name) return undefined;
  const params: Record<string, string> = {};
  for (const input of $('params').querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-param]')) {
    const v = input.value.trim();
    if (v !== '') params[input.getAttribute('data-param')!] = v;
  }
  return toRequest(name, params);
}

export function renderQuick(defaults: readonly Default[], onPick: (ref: ChannelRef) => void): void {
  const box = $('quick');
  clear(box);
  defaults.forEach((d, i) => {
    if (!d || typeof d.channel !== 'string') return;
    const label = labelOf(toRequest(d.channel, d.params));
    const b = el('button', { type: 'button', class: 'quick', 'data-index': i, title: `Subscribe to ${label}` }, [label]);
    b.addEventListener('click', () => onPick(toRequest(d.channel, d.params)));
    box.appendChild(b);
  });
}
