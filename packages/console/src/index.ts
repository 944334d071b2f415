import { consoleScript } from './bundle.js';
import { PAGE_CSS } from './page.css.js';
import { pageHtml } from './page.html.js';

export { escapeHtml, jsonForScript } from './escape.js';

export interface ConsoleDefault {
  /** A named channel (`AiOrchestrationChannel`), a channel-id prefix (`agent`, with `params.id`), or a full channel id (`agent:x`). */
  readonly channel: string;
  readonly params: Record<string, string>;
}

export interface ConsolePageOptions {
  readonly title?: string;
  /** Offered as one-click subscriptions; the first also preselects the channel picker. */
  readonly defaults?: readonly ConsoleDefault[];
}

/**
 * The developer console served at `/` in embedded mode: one self-contained
 * HTML page (inline CSS and script, no external resources) that gets a
 * development token, connects to `/ws` with @herald/client (bundled into the
 * page's script on first render, see bundle.ts), subscribes to channels from
 * `/v1/channels` and shows the live event log; the SDK resumes from the last
 * offsets after a reconnect.
 */
export function renderConsolePage(opts: ConsolePageOptions = {}): string {
  const defaults = (opts.defaults ?? []).map((d) => ({ channel: String(d.channel), params: { ...d.params } }));
  return pageHtml({
    title: opts.title ?? 'Herald console',
    user: 'demo-user',
    account: defaultAccount(defaults) ?? 'demo',
    css: PAGE_CSS,
    script: consoleScript(),
    config: { defaults },
  });
}

/** The account the defaults point at: an `account_id` param, or `{type: "account", id}`. */
function defaultAccount(defaults: readonly ConsoleDefault[]): string | undefined {
  for (const d of defaults) {
    const p = d.params;
    if (p['account_id']) return p['account_id'];
    if (p['type'] === 'account' && p['id']) return p['id'];
  }
  return undefined;
}
