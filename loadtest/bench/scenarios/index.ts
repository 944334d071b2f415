import { broadcast } from './broadcast.js';
import type { Scenario } from './common.js';
import { connectStorm } from './connect-storm.js';
import { idle } from './idle.js';
import { manyStreams } from './many-streams.js';
import { resume } from './resume.js';
import { tokenStream } from './token-stream.js';

export const SCENARIOS: Record<string, Scenario> = {
  idle,
  'connect-storm': connectStorm,
  broadcast,
  'many-streams': manyStreams,
  resume,
  'token-stream': tokenStream,
};
