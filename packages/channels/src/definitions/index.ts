import { Catalog } from '../catalog.js';
import type { ChannelDef } from '../types.js';
import { aiChannels } from './ai.js';
import { devopsChannels } from './devops.js';
import { platformChannels } from './platform.js';
import { extensionChannels } from './extensions.js';
import { channelIdChannels } from './channel-ids.js';
import { pathChannels } from './paths.js';
import { inboxChannels } from './inbox.js';

/**
 * Every channel Herald serves. Named channels (ActionCable classes of the Rails
 * platform), channel ids (Workers platform) and path streams (FastAPI
 * orchestrator). docs/channels.md is generated from this list:
 * `node --import tsx scripts/gen-channels-doc.ts --write`.
 */
export const channelDefinitions: readonly ChannelDef[] = [
  ...aiChannels,
  ...devopsChannels,
  ...platformChannels,
  ...extensionChannels,
  ...channelIdChannels,
  ...pathChannels,
  ...inboxChannels,
];

export function createCatalog(): Catalog {
  return new Catalog(channelDefinitions);
}
