/** The console's stylesheet (inlined; the page loads nothing else). */
export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #f6f7f9; --panel: #fff; --fg: #1d2330; --muted: #667085; --line: #d9dde5; --accent: #3a5bd9; --ok: #1a7f37; --warn: #b54708; --bad: #c0262d; }
@media (prefers-color-scheme: dark) { :root { --bg: #12151b; --panel: #1a1e26; --fg: #e3e7ee; --muted: #98a2b3; --line: #2c3340; --accent: #7c98ff; --ok: #4ac26b; --warn: #f0a44b; --bad: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 12px; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 17px; margin: 0; }
#conn-state { font-weight: 600; padding: 2px 10px; border-radius: 999px; border: 1px solid currentColor; }
#conn-state[data-state="open"] { color: var(--ok); }
#conn-state[data-state="connecting"], #conn-state[data-state="reconnecting"], #conn-state[data-state="offline"] { color: var(--warn); }
#conn-state[data-state="stopped"], #conn-state[data-state="auth_error"] { color: var(--bad); }
#conn-state[data-state="closed"], #conn-state[data-state="idle"] { color: var(--muted); }
#conn-detail { color: var(--muted); }
main { display: grid; grid-template-columns: minmax(300px, 380px) 1fr; gap: 12px; padding: 12px; align-items: start; }
.side { display: grid; gap: 12px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
.panel h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.panel h3 { font-size: 13px; margin: 12px 0 6px; color: var(--muted); }
label { display: block; margin: 6px 0; }
label > span { display: block; font-size: 12px; color: var(--muted); margin-bottom: 2px; }
input, select, textarea { width: 100%; font: inherit; padding: 5px 7px; border: 1px solid var(--line); border-radius: 5px; background: var(--bg); color: var(--fg); }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; resize: vertical; word-break: break-all; }
button { font: inherit; padding: 5px 12px; border-radius: 5px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
.row { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
.note { color: var(--muted); font-size: 12px; margin: 4px 0; min-height: 1em; }
.note.bad { color: var(--bad); }
#quick { display: flex; flex-wrap: wrap; gap: 6px; }
#quick button { font-size: 12px; padding: 3px 8px; }
#subscriptions { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
.subscription { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; font-size: 12px; }
.subscription .title { display: flex; justify-content: space-between; gap: 6px; align-items: center; font-weight: 600; word-break: break-all; }
.subscription .status { font-weight: 400; color: var(--muted); }
.subscription[data-status="active"] .status { color: var(--ok); }
.subscription[data-status="rejected"] .status { color: var(--bad); }
.subscription .streams { font-family: ui-monospace, monospace; color: var(--muted); word-break: break-all; }
.subscription button { font-size: 11px; padding: 1px 6px; }
.events-head { display: flex; align-items: center; gap: 10px; }
.events-head h2 { margin: 0; flex: 1; }
#events { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 6px; }
#events li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; min-width: 0; }
#events .meta { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: var(--muted); }
#events .name { font-weight: 600; color: var(--fg); }
#events .stream, #events .offset { font-family: ui-monospace, monospace; }
#events pre { margin: 4px 0 0; max-height: 280px; overflow: auto; font-size: 12px; white-space: pre-wrap; word-break: break-word; }
#events .notice { border-style: dashed; color: var(--muted); font-size: 12px; }
#events .notice.bad { color: var(--bad); }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } }
`;
