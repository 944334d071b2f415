import { context, propagation } from '@opentelemetry/api';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface TraceContext {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/**
 * W3C trace context for an event's NATS headers: the caller's explicit
 * `traceparent` (e.g. forwarded from an HTTP request) or, when the process
 * runs an OpenTelemetry SDK, the active span. Malformed values are dropped
 * rather than forwarded.
 */
export function traceHeaders(explicit?: TraceContext): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  if (explicit?.traceparent) {
    if (!TRACEPARENT.test(explicit.traceparent)) return undefined;
    carrier['traceparent'] = explicit.traceparent;
    if (explicit.tracestate && explicit.tracestate.length <= 512) carrier['tracestate'] = explicit.tracestate;
    return carrier;
  }
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'] ? carrier : undefined;
}
