import { nativeEventFrame, nativeEventPrefix, nativeFrames, parseNativeFrame } from '@herald/protocol';
import type { SessionCodec } from '../codec.js';

/** Herald native (`/ws`, `herald.v1.json`): the full protocol, events carry stream, epoch and offset. */
export const nativeCodec: SessionCodec = {
  name: 'native',
  events: {
    name: 'native',
    topic: (stream) => `n|${stream}`,
    forStream(stream, epoch) {
      const stored = nativeEventPrefix(stream, epoch);
      const live = nativeEventPrefix(stream, undefined);
      return (d) => (d.offset > 0 ? nativeEventFrame(stored, d.offset, d.data) : nativeEventFrame(live, 0, d.data));
    },
  },
  parse: parseNativeFrame,
  ...nativeFrames,
};
