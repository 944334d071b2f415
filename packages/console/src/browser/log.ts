import type { EventEnvelope, EventMeta } from '@herald/client';
import { $, el, time } from './dom.js';

/** The event log: newest first, capped. */
const MAX_ENTRIES = 500;

export function addEntry(li: HTMLElement): void {
  const list = $('events');
  list.insertBefore(li, list.firstChild);
  while (list.childNodes.length > MAX_ENTRIES) list.removeChild(list.lastChild!);
  $('event-count').textContent = `(${list.querySelectorAll('.event').length})`;
}

export function clearLog(): void {
  const list = $('events');
  while (list.firstChild) list.removeChild(list.firstChild);
  $('event-count').textContent = '';
}

export function notice(text: string, bad = false): void {
  addEntry(el('li', { class: bad ? 'notice bad' : 'notice' }, [`${time()}  ${text}`]));
}

export function logEvent(event: EventEnvelope, meta: EventMeta): void {
  const stored = typeof meta.offset === 'number' && meta.offset > 0;
  const name = typeof event.event === 'string' ? event.event : '(unnamed)';
  const header = el('div', { class: 'meta' }, [
    el('span', { class: 'name' }, [name]),
    el('span', { class: 'stream' }, [meta.stream]),
    el('span', { class: 'offset' }, [stored ? `#${meta.offset}` : 'live']),
    event.resource_type ? el('span', null, [`${event.resource_type} ${event.resource_id ?? ''}`]) : null,
    el('span', null, [event.timestamp ? String(event.timestamp) : time()]),
  ]);
  const payload = el('pre', null, [JSON.stringify(event.payload, null, 2) ?? 'undefined']);
  addEntry(el('li', { class: 'event', 'data-event': name, 'data-stream': meta.stream, 'data-offset': stored ? meta.offset : null }, [header, payload]));
}
