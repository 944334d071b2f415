import { rules, type Rule } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/** Path streams of the FastAPI orchestrator: the WebSocket URL itself names the subscription. */

function pathStream(prefix: string, param: string, stream: string, description: string, rule: Rule): ChannelDef {
  return {
    name: prefix,
    kind: 'path',
    description,
    path: `${prefix}/{${param}}`,
    params: { fields: { [param]: { required: true } } },
    streams: [stream],
    rule,
    history: true,
  };
}

export const pathChannels: readonly ChannelDef[] = [
  pathStream('/ws/agents', 'agent_id', 'agents:{agent_id}', 'FastAPI: output and lifecycle events of one agent.', rules.owner('agent', 'agent_id')),
  pathStream(
    '/ws/channels',
    'channel_id',
    'channels:{channel_id}',
    'FastAPI: live messages in one team channel.',
    rules.owner('team_channel', 'channel_id'),
  ),
  pathStream(
    '/ws/sessions',
    'session_id',
    'sessions:{session_id}',
    'FastAPI: messages and lifecycle of one communication session.',
    rules.owner('session', 'session_id'),
  ),
  pathStream(
    '/ws/notifications',
    'agent_id',
    'agent_notifications:{agent_id}',
    "FastAPI: one agent's notifications (sent, acknowledged).",
    rules.owner('agent', 'agent_id'),
  ),
  {
    name: '/ws/system',
    kind: 'path',
    description: 'FastAPI: operator-wide events (rate limits, usage snapshots); needs system.read here.',
    path: '/ws/system',
    params: { fields: {} },
    streams: ['system'],
    rule: rules.permission('system.read'),
    history: true,
  },
];
