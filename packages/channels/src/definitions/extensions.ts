import { rules } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/** Extension channels of the Rails platform (ActionCable): supply chain and trading. */

export const extensionChannels: readonly ChannelDef[] = [
  {
    name: 'SupplyChainChannel',
    kind: 'named',
    description: "Rails: supply chain extension events for the subscriber's account.",
    params: { fields: { account_id: { fromIdentity: 'accountId' } } },
    streams: ['supply_chain:{account_id}'],
    rule: rules.accountParam('account_id'),
    history: true,
  },
  {
    name: 'TradingChannel',
    kind: 'named',
    description: "Rails: trading extension events (strategy lifecycle, positions, risk alerts) for the subscriber's account.",
    params: { fields: { account_id: { fromIdentity: 'accountId' } } },
    streams: ['trading:{account_id}'],
    rule: rules.accountParam('account_id'),
    history: true,
  },
  {
    name: 'TradingTrainingChannel',
    kind: 'named',
    description: 'Rails: one trading training session (live ticks, learning extraction, phase transitions).',
    params: { fields: { session_id: { required: true } } },
    streams: ['trading_training:{session_id}'],
    rule: rules.owner('trading_training_session', 'session_id'),
    history: true,
  },
];
