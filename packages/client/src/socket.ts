import type { WebSocketLike } from './types.js';

const noop = (): void => undefined;

/** Resolves relative URLs against the page, maps http(s) to ws(s), and asks for a manually managed inbox. */
export function socketUrl(url: string): string {
  const u = new URL(url, (globalThis as { location?: { href?: string } }).location?.href);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  // The client subscribes the Inbox itself when wanted, so it can resume it with `since` like any channel.
  u.searchParams.set('inbox', 'manual');
  return u.toString();
}

/** Stop listening to a socket. No-ops, not null: `ws` throws on an 'error' event nobody listens to. */
export function detach(socket: WebSocketLike): void {
  socket.onopen = noop;
  socket.onmessage = noop;
  socket.onclose = noop;
  socket.onerror = noop;
}

/** Drop a socket that stopped answering without waiting for a closing handshake that will not come. */
export function closeNow(socket: WebSocketLike): void {
  try {
    const terminate = (socket as { terminate?: () => void }).terminate; // `ws`: no 30 s close timeout left behind
    if (typeof terminate === 'function') terminate.call(socket);
    else socket.close();
  } catch {
    /* already gone */
  }
}
