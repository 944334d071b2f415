import { rules, type Rule } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/** Channel ids of the Workers platform (`{"type":"subscribe","channelId":"agent:my-agent"}` on `/api/ws`). */

function channelId(name: string, description: string, rule: Rule): ChannelDef {
  return {
    name,
    kind: 'channelId',
    description,
    params: { fields: { id: { required: true } } },
    streams: [`${name}:{id}`],
    rule,
    history: true,
  };
}

export const channelIdChannels: readonly ChannelDef[] = [
  channelId('agent', 'Workers: status and execution events of one agent.', rules.owner('agent', 'id')),
  channelId('swarm', 'Workers: swarm phases, agent assignments and task progress.', rules.owner('swarm', 'id')),
  channelId('project', 'Workers: all activity within one project.', rules.owner('project', 'id')),
  channelId('org', 'Workers: organization-wide events (an organization is an account).', rules.accountParam('id')),
  channelId('task', 'Workers: updates to one task.', rules.owner('task', 'id')),
];
