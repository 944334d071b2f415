/**
 * Stream names ↔ NATS subject tokens (cluster mode). A stream's `:`-separated
 * parts become subject tokens; inside a token every byte outside
 * [A-Za-z0-9_-] is written `=XX` (hex of its UTF-8 byte), so `.`, `*`, `>`,
 * whitespace and non-ASCII can never break a subject, and an empty part is
 * written `=` alone. The mapping is reversible. `=` (not `%` or `~`) because
 * it is also valid in NATS KV keys, so the same escape names KV entries.
 */
const SAFE = /^[A-Za-z0-9_-]$/;
const HEX = '0123456789ABCDEF';
const ESC = '=';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function escapeToken(part: string): string {
  if (part === '') return ESC;
  let out = '';
  for (const ch of part) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of encoder.encode(ch)) out += `${ESC}${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

export function unescapeToken(token: string): string {
  if (token === ESC) return '';
  if (!token.includes(ESC)) return token;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const c = token[i] as string;
    if (c !== ESC) {
      bytes.push(c.charCodeAt(0));
      continue;
    }
    const hex = token.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`bad escape in subject token ${JSON.stringify(token)}`);
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return decoder.decode(new Uint8Array(bytes));
}

/** `ai_orchestration:workflow_run:r.9` → `ai_orchestration.workflow_run.r=2E9` */
export function streamToTokens(stream: string): string {
  return stream.split(':').map(escapeToken).join('.');
}

export function tokensToStream(tokens: string): string {
  return tokens.split('.').map(unescapeToken).join(':');
}

/** A reversible NATS KV key for a tuple of values (`ai_conversation`, `c.42` → `ai_conversation.c=2E42`). */
export function kvKey(...parts: readonly string[]): string {
  return parts.map(escapeToken).join('.');
}

export const SUBJECT_PREFIX = { events: 'herald.ev', live: 'herald.live' } as const;

export function streamSubject(prefix: string, stream: string): string {
  return `${prefix}.${streamToTokens(stream)}`;
}

/** The stream of a subject under `prefix`, or undefined when the subject is not under it. */
export function subjectStream(prefix: string, subject: string): string | undefined {
  return subject.startsWith(`${prefix}.`) ? tokensToStream(subject.slice(prefix.length + 1)) : undefined;
}
