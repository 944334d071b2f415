import type { Status, SubscriptionError } from './types.js';
import type { EventFrame, Position, ReplyOutcome, SubscribedInfo, WireRef } from './wire.js';

/** Messages between the tabs of one user; on the channel each also carries `from` (the sender's tab id). */
export type Outgoing =
  // leader → tabs
  | { t: 'hello' } // "I lead now": every tab announces its keys and positions
  | { t: 'leader'; to: string } // answer to a tab's `join`
  | { t: 'status'; status: Status; to?: string }
  | { t: 'event'; keys: readonly string[]; frame: EventFrame }
  | { t: 'subscribed'; key: string; info: SubscribedInfo; to?: string }
  | { t: 'keyError'; key: string; error: SubscriptionError }
  | { t: 'reply'; to: string; reqId: string; outcome: ReplyOutcome }
  // tab → leader
  | { t: 'join' }
  | { t: 'announce'; items: { key: string; ref: WireRef; positions: [string, Position][] }[] }
  | { t: 'want'; key: string; ref: WireRef }
  | { t: 'drop'; key: string }
  | { t: 'perform'; reqId: string; ref: WireRef; action: string; data: unknown }
  | { t: 'forget'; reqId: string }
  | { t: 'connect' }
  | { t: 'wake' }
  | { t: 'bye' };

export type Message = Outgoing & { readonly from: string };
