import { escapeHtml, jsonForScript } from './escape.js';

export interface PageParts {
  readonly title: string;
  /** Prefill of the token form. */
  readonly user: string;
  readonly account: string;
  readonly css: string;
  readonly script: string;
  /** Read by the client script from `#herald-config`. */
  readonly config: unknown;
}

/**
 * The page skeleton. Element ids are a stable contract (browser tests use
 * them): token-user, token-account, get-token, token, connect, disconnect,
 * conn-state, channel-select, params, subscribe, subscriptions, events.
 */
export function pageHtml(p: PageParts): string {
  const title = escapeHtml(p.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${p.css}</style>
</head>
<body>
<header>
  <h1>${title}</h1>
  <span id="conn-state" data-state="closed">closed</span>
  <span id="conn-detail"></span>
</header>
<main>
  <div class="side">
    <section class="panel" aria-labelledby="h-token">
      <h2 id="h-token">Token</h2>
      <label><span>User (sub)</span><input id="token-user" value="${escapeHtml(p.user)}" autocomplete="off"></label>
      <label><span>Account</span><input id="token-account" value="${escapeHtml(p.account)}" autocomplete="off"></label>
      <label><span>Permissions (comma separated)</span><input id="token-permissions" placeholder="admin.access, system.read" autocomplete="off"></label>
      <div class="row"><button id="get-token" type="button">Get dev token</button></div>
      <p id="token-note" class="note"></p>
      <label><span>Token (JWT)</span><textarea id="token" rows="3" placeholder="Get a development token above, or paste a JWT here" spellcheck="false"></textarea></label>
      <div class="row">
        <button id="connect" type="button" class="primary">Connect</button>
        <button id="disconnect" type="button" disabled>Disconnect</button>
      </div>
      <p id="conn-info" class="note"></p>
    </section>
    <section class="panel" aria-labelledby="h-sub">
      <h2 id="h-sub">Subscribe</h2>
      <div id="quick"></div>
      <label><span>Channel</span><select id="channel-select"><option value="">loading channels…</option></select></label>
      <p id="channel-description" class="note"></p>
      <div id="params"></div>
      <div class="row"><button id="subscribe" type="button" class="primary">Subscribe</button></div>
      <h3>Subscriptions</h3>
      <ul id="subscriptions"></ul>
    </section>
  </div>
  <section class="panel" aria-labelledby="h-events">
    <div class="events-head">
      <h2 id="h-events">Events <span id="event-count"></span></h2>
      <button id="clear-events" type="button">Clear</button>
    </div>
    <ol id="events"></ol>
  </section>
</main>
<script type="application/json" id="herald-config">${jsonForScript(p.config)}</script>
<script>${p.script}</script>
</body>
</html>
`;
}
