import { rules } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/**
 * Herald's own channel: every connection is subscribed to it on open, so a
 * service can push to one user (`inbox:user:<user>`) or to every socket of
 * one account (`inbox:account:<account>`) without the client asking.
 */
export const inboxChannels: readonly ChannelDef[] = [
  {
    name: 'Inbox',
    kind: 'named',
    description: "Herald: the connection's personal inboxes, its user's and its account's; subscribed automatically on connect (`?inbox=manual` to subscribe yourself, e.g. with `since`).",
    params: {
      fields: {
        user_id: { required: true, fromIdentity: 'userId' },
        account_id: { fromIdentity: 'accountId' },
      },
    },
    streams: ['inbox:user:{user_id}', 'inbox:account:{account_id}'],
    select: 'all',
    rule: rules.allOf(rules.userParam('user_id'), rules.switchOn('account_id', {}, { absent: rules.authenticated(), otherwise: rules.accountParam('account_id') })),
    history: true,
    automatic: true,
  },
];
