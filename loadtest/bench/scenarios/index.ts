import { broadcast } from './broadcast.js';
import type { Scenario } from './common.js';
import { connectStorm } from './connect-storm.js';
import { idle } from './idle.js';
import { manyStreams } from './many-streams.js';
import { resume } from './resume.js';
import { tokenStream } from './token-stream.js';

/** In run order for `all`: the storm first, before idle leaves ~150,000 loopback sockets in TIME_WAIT. */
export const SCENARIOS: Record<string, Scenario> = {
  'connect-storm': connectStorm,
  idle,
  broadcast,
  'many-streams': manyStreams,
  resume,
  'token-stream': tokenStream,
};
