import { hash } from 'node:crypto';

/** Where the upgrade request carried its token, and the subprotocols it offered (minus any `bearer.` entry). */
export interface UpgradeCredentials {
  token: string | undefined;
  source: 'query' | 'header' | 'protocol' | 'cookie' | undefined;
  /** Offered Sec-WebSocket-Protocol entries, trimmed, in order, without `bearer.<jwt>` entries. */
  protocols: string[];
}

/** A parsed query: URLSearchParams, or a server's own reader (uWS `req.getQuery(name)`). */
export interface QueryParams {
  get(name: string): string | null | undefined;
}

export interface ExtractInput {
  /** Raw query string (a leading `?` is ignored), or the request's query already parsed. */
  query: string | QueryParams;
  /** Raw Authorization header ('' when absent). */
  authorization: string;
  /** Raw Sec-WebSocket-Protocol header ('' when absent). */
  protocolHeader: string;
  /** Raw Cookie header. */
  cookie?: string;
  /** Cookie that carries the token; default `herald_token`. */
  cookieName?: string;
}

export const DEFAULT_TOKEN_COOKIE = 'herald_token';
const BEARER_PROTOCOL = 'bearer.';

/** Hex SHA-256 of a raw token: the revocation key, never the token itself. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex'); // one-shot: about half of createHash's time (docs/benchmarks/memory.md)
}

function fromHeader(authorization: string): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1];
}

function fromQuery(query: string | QueryParams): string | undefined {
  const params = typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const token = params.get('token')?.trim();
  return token ? token : undefined;
}

function fromCookie(cookie: string, name: string): string | undefined {
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      /* not percent-encoded: use as is */
    }
    if (value) return value;
  }
  return undefined;
}

/**
 * Finds the token of a WebSocket upgrade request. Precedence: Authorization
 * header, then a `bearer.<jwt>` subprotocol entry, then `?token=`, then the
 * cookie. `bearer.` entries are always stripped from `protocols`, whichever
 * source wins, so a token is never echoed back as the selected subprotocol.
 */
export function extractToken(input: ExtractInput): UpgradeCredentials {
  const protocols: string[] = [];
  let protocolToken: string | undefined;
  // Most upgrades offer no subprotocol: skip the split (an array per connect) when the header is absent.
  if (input.protocolHeader) {
    for (const entry of input.protocolHeader.split(',')) {
      const p = entry.trim();
      if (!p) continue;
      if (p.slice(0, BEARER_PROTOCOL.length).toLowerCase() === BEARER_PROTOCOL) {
        const t = p.slice(BEARER_PROTOCOL.length);
        if (t && protocolToken === undefined) protocolToken = t;
        continue;
      }
      protocols.push(p);
    }
  }

  const header = input.authorization ? fromHeader(input.authorization) : undefined;
  if (header) return { token: header, source: 'header', protocols };
  if (protocolToken) return { token: protocolToken, source: 'protocol', protocols };
  const query = fromQuery(input.query ?? '');
  if (query) return { token: query, source: 'query', protocols };
  const cookie = input.cookie ? fromCookie(input.cookie, input.cookieName ?? DEFAULT_TOKEN_COOKIE) : undefined;
  if (cookie) return { token: cookie, source: 'cookie', protocols };
  return { token: undefined, source: undefined, protocols };
}
