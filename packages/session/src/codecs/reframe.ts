import type { Delivery } from '@herald/bus';
import { envelopeParts } from '@herald/protocol';

/**
 * For dialects whose events carry the event name and payload rather than the envelope: split the
 * stored envelope once per message (per dialect, never per socket) and frame the parts.
 */
export const reframe =
  (frame: (eventJson: string, payloadJson: string) => string) =>
  (d: Delivery): string => {
    const p = envelopeParts(d.data);
    return frame(JSON.stringify(p.event), p.payloadJson);
  };
