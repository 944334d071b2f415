import { rules } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/** Platform channels of the Rails platform (ActionCable): analytics, customers, notifications, billing. */

const admin = rules.permission('admin.access');

export const platformChannels: readonly ChannelDef[] = [
  {
    name: 'AnalyticsChannel',
    kind: 'named',
    description: 'Rails: live analytics dashboard metrics for one account, or platform-wide for admins.',
    params: { fields: { account_id: {} } },
    streams: ['analytics:account:{account_id}', 'analytics:global'],
    select: 'first',
    rule: rules.switchOn('account_id', {}, {
      absent: admin,
      otherwise: rules.anyOf(rules.accountParam('account_id'), admin),
    }),
    history: true,
    onSubscribe: { greeting: { event: 'analytics_connection_established' } },
  },
  {
    name: 'CustomerChannel',
    kind: 'named',
    description: "Rails: customer data updates for an account, for admin users.",
    params: { fields: { account_id: { required: true } } },
    streams: ['customer_updates_{account_id}'],
    rule: admin,
    history: true,
  },
  {
    name: 'NotificationChannel',
    kind: 'named',
    description: 'Rails: notifications delivered to an account.',
    params: { fields: { account_id: { required: true } } },
    streams: ['notifications:{account_id}'],
    rule: rules.accountParam('account_id'),
    history: true,
    onSubscribe: { greeting: { event: 'connection_established' } },
  },
  {
    name: 'SubscriptionChannel',
    kind: 'named',
    description: "Rails: the account's subscription status, plan changes and billing events; the current status on connect.",
    params: { fields: { account_id: { required: true } } },
    streams: ['subscription:{account_id}'],
    rule: rules.accountParam('account_id'),
    history: true,
    onSubscribe: { snapshot: true },
  },
];
