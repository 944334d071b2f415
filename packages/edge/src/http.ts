import type { HttpResponse } from 'uWebSockets.js';

/**
 * Small helpers for uWS HTTP handlers. uWS invalidates a response once it is
 * aborted, so every write after an await goes through `respond`, which checks
 * the abort flag and corks.
 */
export interface Reply {
  aborted: boolean;
  readonly res: HttpResponse;
  /** Run when the client goes away before the response was written. */
  onAbort: (() => void) | undefined;
}

/** Must be called first in a handler: uWS requires an abort handler before any async work. */
export function track(res: HttpResponse): Reply {
  const reply: Reply = { aborted: false, res, onAbort: undefined };
  res.onAborted(() => {
    reply.aborted = true;
    reply.onAbort?.();
  });
  return reply;
}

const STATUS: Record<number, string> = {
  200: '200 OK',
  202: '202 Accepted',
  204: '204 No Content',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export function respond(reply: Reply, status: number, body: string, contentType = 'application/json', headers: Record<string, string> = {}): void {
  if (reply.aborted) return;
  reply.aborted = true; // a response is written once
  reply.res.cork(() => {
    reply.res.writeStatus(STATUS[status] ?? `${status} Status`).writeHeader('Content-Type', contentType);
    for (const [k, v] of Object.entries(headers)) reply.res.writeHeader(k, v);
    reply.res.writeHeader('Cache-Control', 'no-store');
    if (status === 204) reply.res.endWithoutBody();
    else reply.res.end(body);
  });
}

export function respondJson(reply: Reply, status: number, value: unknown, headers: Record<string, string> = {}): void {
  respond(reply, status, JSON.stringify(value), 'application/json', headers);
}

export function respondError(reply: Reply, status: number, error: string, message: string, extra: Record<string, unknown> = {}): void {
  respondJson(reply, status, { error, message, ...extra });
}

/** Collect a request body up to `maxBytes`; resolves undefined (and answers 413) when larger. */
export function readBody(reply: Reply, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    reply.onAbort = () => {
      done = true;
      resolve(undefined);
    };
    reply.res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        done = true;
        respondError(reply, 413, 'payload_too_large', `body larger than ${maxBytes} bytes`);
        resolve(undefined);
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after the callback
      if (isLast) {
        done = true;
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
  });
}

/** A URL path parameter, percent-decoded; undefined when absent or badly encoded. */
export function decodeParam(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
