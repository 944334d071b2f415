/**
 * The console's browser script, inlined into the page. Plain ES2020, no
 * framework, no eval. Untrusted text (event data, server messages, catalog
 * descriptions) only ever reaches the DOM through text nodes and attributes.
 *
 * Authored as a string (no template placeholders or backticks inside).
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';

  var MAX_EVENTS = 500;
  var SUBPROTOCOL = 'herald.v1.json';
  var config = readConfig();
  var defaults = Array.isArray(config.defaults) ? config.defaults : [];

  var state = {
    ws: null,
    wantOpen: false,   // the user asked to be connected
    attempt: 0,        // consecutive failed connects, drives the backoff
    retryTimer: null,
    pingTimer: null,
    disconnect: null,  // the server's last {type:"disconnect"} frame
    devTokens: false,  // our token came from /v1/dev/token, so a fresh one can be minted
    channels: [],
    subs: new Map(),       // local key -> subscription
    positions: new Map(),  // stream -> {epoch, offset}: last position seen
    pending: new Map(),    // command id -> local key
    nextId: 1,
    renderQueued: false
  };

  function $(id) { return document.getElementById(id); }

  function readConfig() {
    try { return JSON.parse($('herald-config').textContent || '{}') || {}; } catch (e) { return {}; }
  }

  // ---------- DOM helpers: text only, never markup ----------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v !== undefined && v !== null && v !== false) node.setAttribute(k, String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function setNote(id, text, bad) {
    var n = $(id);
    n.textContent = text || '';
    n.classList.toggle('bad', !!bad);
  }

  function stableJson(value) {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return '[' + value.map(stableJson).join(',') + ']';
    return '{' + Object.keys(value).sort().map(function (k) { return JSON.stringify(k) + ':' + stableJson(value[k]); }).join(',') + '}';
  }

  function time() { return new Date().toLocaleTimeString(); }

  // ---------- connection state ----------

  function setConn(name, detail) {
    var s = $('conn-state');
    s.setAttribute('data-state', name);
    s.textContent = name;
    $('conn-detail').textContent = detail || '';
    $('connect').disabled = name !== 'closed' || state.wantOpen;
    $('disconnect').disabled = !state.wantOpen && name === 'closed';
  }

  function notice(text, bad) {
    addEntry(el('li', { 'class': bad ? 'notice bad' : 'notice' }, [time() + '  ' + text]));
  }

  // ---------- tokens ----------

  function getDevToken() {
    var body = {
      sub: $('token-user').value.trim() || 'demo-user',
      account: $('token-account').value.trim(),
      permissions: $('token-permissions').value.split(',').map(function (p) { return p.trim(); }).filter(Boolean)
    };
    setNote('token-note', 'requesting a development token…');
    return fetch('/v1/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        if (res.status === 404) {
          state.devTokens = false;
          setNote('token-note', 'Development tokens are disabled on this server: paste a token signed for it below.', true);
          $('token').focus();
          return null;
        }
        return res.json().then(function (data) {
          if (!res.ok || !data || typeof data.token !== 'string') {
            setNote('token-note', 'Token request failed: ' + ((data && data.message) || res.status), true);
            return null;
          }
          $('token').value = data.token;
          state.devTokens = true;
          var until = typeof data.expiresAt === 'number' ? ' (expires ' + new Date(data.expiresAt).toLocaleTimeString() + ')' : '';
          setNote('token-note', 'Development token for ' + body.sub + (body.account ? ' @ ' + body.account : '') + until);
          return data.token;
        });
      })
      .catch(function (err) {
        setNote('token-note', 'Token request failed: ' + err, true);
        return null;
      });
  }

  // ---------- socket ----------

  function wsUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  }

  function connect() {
    var token = $('token').value.trim();
    if (!token) {
      getDevToken().then(function (t) { if (t) connect(); });
      return;
    }
    state.wantOpen = true;
    state.attempt = 0;
    openSocket();
  }

  function openSocket() {
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    var token = $('token').value.trim();
    var ws;
    try {
      // Browsers cannot set headers: the token rides in a bearer.<jwt> subprotocol entry.
      ws = new WebSocket(wsUrl(), [SUBPROTOCOL, 'bearer.' + token]);
    } catch (e) {
      // Not a valid subprotocol token (not a JWT?): fall back to the query string.
      ws = new WebSocket(wsUrl() + '?token=' + encodeURIComponent(token), [SUBPROTOCOL]);
    }
    state.ws = ws;
    state.disconnect = null;
    setConn('connecting', state.attempt > 0 ? 'attempt ' + (state.attempt + 1) : '');
    ws.onopen = function () {
      if (ws !== state.ws) return;
      state.attempt = 0;
      setConn('open', '');
      state.subs.forEach(function (sub) { if (sub.status !== 'rejected') sendSubscribe(sub); });
      render();
    };
    ws.onmessage = function (msg) {
      if (ws !== state.ws) return;
      var frame;
      try { frame = JSON.parse(msg.data); } catch (e) { notice('unparseable frame from server', true); return; }
      handleFrame(frame);
    };
    ws.onclose = function (ev) {
      if (ws !== state.ws) return;
      onClosed(ev.code, ev.reason);
    };
  }

  function onClosed(code, reason) {
    state.ws = null;
    clearInterval(state.pingTimer);
    state.pingTimer = null;
    state.pending.clear();
    state.subs.forEach(function (sub) { if (sub.status !== 'rejected') sub.status = 'pending'; });
    render();
    var info = state.disconnect;
    var why = (info && info.reason) || reason || 'code ' + code;
    if (!state.wantOpen) { setConn('closed', 'disconnected'); return; }
    if (code === 4000 || code === 4003 || (info && info.reconnect === false)) {
      state.wantOpen = false;
      setConn('closed', 'closed by server: ' + why);
      notice('connection closed (' + code + ' ' + why + '); not reconnecting', true);
      return;
    }
    if (code === 4001) {
      if (state.devTokens) {
        notice('token expired: fetching a new development token');
        getDevToken().then(function (t) { if (t && state.wantOpen) scheduleReconnect(why); else if (!t) stopWanting('token expired'); });
      } else {
        stopWanting('token expired: paste a fresh token and connect');
      }
      return;
    }
    scheduleReconnect(why);
  }

  function stopWanting(text) {
    state.wantOpen = false;
    setConn('closed', text);
    notice(text, true);
  }

  function scheduleReconnect(why) {
    var base = Math.min(15000, 500 * Math.pow(2, state.attempt));
    var delay = Math.round(base * (0.75 + Math.random() * 0.5));
    state.attempt += 1;
    var hint = state.attempt >= 4 ? ' (is the token valid and the server up?)' : '';
    setConn('closed', 'lost (' + why + '), reconnecting in ' + (delay / 1000).toFixed(1) + 's' + hint);
    state.retryTimer = setTimeout(function () { if (state.wantOpen) openSocket(); }, delay);
  }

  function disconnect() {
    state.wantOpen = false;
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    var ws = state.ws;
    if (ws) {
      try { ws.close(1000, 'bye'); } catch (e) { /* already closing */ }
      onClosed(1000, 'bye');
    } else {
      setConn('closed', 'disconnected');
    }
  }

  function send(frame) {
    if (!state.ws || state.ws.readyState !== 1) return false;
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  // ---------- frames from the server ----------

  function handleFrame(f) {
    switch (f.type) {
      case 'welcome': return onWelcome(f);
      case 'subscribed': return onSubscribed(f);
      case 'rejected': return onRejected(f);
      case 'unsubscribed': return onUnsubscribed(f);
      case 'event': return onEvent(f);
      case 'pong': return;
      case 'reply': return notice('reply ' + JSON.stringify(f));
      case 'error': return notice('error ' + f.code + ': ' + f.message, true);
      case 'disconnect':
        state.disconnect = f;
        return notice('server disconnects: ' + f.reason + (f.reconnect ? ' (will reconnect)' : ''), !f.reconnect);
      default: return notice('frame ' + JSON.stringify(f));
    }
  }

  function onWelcome(f) {
    $('conn-info').textContent = 'connection ' + f.connectionId + ', heartbeat ' + f.heartbeat + 's' +
      (typeof f.expiresAt === 'number' ? ', token expires ' + new Date(f.expiresAt).toLocaleTimeString() : '');
    clearInterval(state.pingTimer);
    var every = Number(f.heartbeat) > 0 ? Number(f.heartbeat) * 1000 : 25000;
    state.pingTimer = setInterval(function () { send({ type: 'ping' }); }, every);
  }

  function subFor(f) {
    if (f.id !== undefined && state.pending.has(f.id)) {
      var key = state.pending.get(f.id);
      state.pending.delete(f.id);
      return state.subs.get(key);
    }
    return state.subs.get(keyOf(f.channelId !== undefined ? { channelId: f.channelId } : { channel: f.channel, params: f.params || {} }));
  }

  function onSubscribed(f) {
    var sub = subFor(f);
    if (!sub) return;
    sub.status = 'active';
    sub.message = '';
    sub.serverKey = f.key;
    sub.streams = Array.isArray(f.streams) ? f.streams : [];
    sub.streams.forEach(function (s) {
      if (s.history && typeof s.offset === 'number') state.positions.set(s.stream, { epoch: s.epoch, offset: s.offset });
    });
    if (f.recovered === false) notice(sub.label + ': could not resume (history gone or epoch changed); events may have been missed, refetch state', true);
    else if (f.recovered === true) notice(sub.label + ': resumed, missed events follow');
    render();
  }

  function onRejected(f) {
    var sub = subFor(f);
    notice('rejected ' + (sub ? sub.label : JSON.stringify(f.channelId || f.channel)) + ': ' + f.reason + ' ' + (f.message || ''), true);
    if (!sub) return;
    sub.status = 'rejected';
    sub.message = f.reason + (f.message ? ': ' + f.message : '');
    if (f.retryable) {
      setTimeout(function () { if (state.subs.get(sub.key) === sub && sub.status === 'rejected') { sub.status = 'pending'; sendSubscribe(sub); render(); } }, 3000);
    }
    render();
  }

  function onUnsubscribed(f) {
    if (!f.reason) return; // the answer to our own unsubscribe
    var sub = subFor(f);
    if (!sub) return;
    notice(sub.label + ' ended by the server: ' + f.reason, true);
    removeLocal(sub);
  }

  function onEvent(f) {
    var hasOffset = typeof f.offset === 'number' && f.offset > 0;
    if (hasOffset) {
      var pos = state.positions.get(f.stream);
      if (pos && pos.epoch === f.epoch && f.offset <= pos.offset) return; // already shown
      state.positions.set(f.stream, { epoch: f.epoch, offset: f.offset });
    }
    var ev = f.event || {};
    var name = typeof ev.event === 'string' ? ev.event : '(unnamed)';
    var meta = el('div', { 'class': 'meta' }, [
      el('span', { 'class': 'name' }, [name]),
      el('span', { 'class': 'stream' }, [String(f.stream)]),
      el('span', { 'class': 'offset' }, [hasOffset ? '#' + f.offset : 'live']),
      ev.resource_type ? el('span', null, [ev.resource_type + ' ' + (ev.resource_id || '')]) : null,
      el('span', null, [ev.timestamp ? String(ev.timestamp) : time()])
    ]);
    var payload = el('pre', null, [JSON.stringify(ev.payload, null, 2)]);
    addEntry(el('li', { 'class': 'event', 'data-event': name, 'data-stream': f.stream, 'data-offset': hasOffset ? f.offset : null }, [meta, payload]));
    scheduleRender();
  }

  // ---------- event log ----------

  function addEntry(li) {
    var list = $('events');
    list.insertBefore(li, list.firstChild);
    while (list.childNodes.length > MAX_EVENTS) list.removeChild(list.lastChild);
    $('event-count').textContent = '(' + list.querySelectorAll('.event').length + ')';
  }

  // ---------- subscriptions ----------

  function keyOf(request) {
    return request.channelId !== undefined ? 'id:' + request.channelId : request.channel + stableJson(request.params || {});
  }

  function labelOf(request) {
    if (request.channelId !== undefined) return request.channelId;
    var p = request.params || {};
    var parts = Object.keys(p).map(function (k) { return k + '=' + p[k]; });
    return request.channel + (parts.length ? ' {' + parts.join(', ') + '}' : '');
  }

  function channelDef(name) {
    for (var i = 0; i < state.channels.length; i++) if (state.channels[i].name === name) return state.channels[i];
    return null;
  }

  /** A {channel, params} as given by the defaults or the form, in the frame's shape. */
  function toRequest(channel, params) {
    if (channel.indexOf(':') > 0) return { channelId: channel };
    var def = channelDef(channel);
    if (def && def.kind === 'channelId') return { channelId: channel + ':' + ((params && params.id) || '') };
    return { channel: channel, params: params || {} };
  }

  function addSubscription(request) {
    var key = keyOf(request);
    var existing = state.subs.get(key);
    if (existing) {
      if (existing.status === 'rejected') { existing.status = 'pending'; sendSubscribe(existing); render(); }
      return;
    }
    var sub = { key: key, request: request, label: labelOf(request), status: 'pending', streams: [], serverKey: '', message: '' };
    state.subs.set(key, sub);
    if (state.ws && state.ws.readyState === 1) sendSubscribe(sub);
    else if (!state.wantOpen) connect();
    render();
  }

  function sinceFor(sub) {
    var known = sub.streams.filter(function (s) { return s.history && state.positions.has(s.stream); });
    if (known.length === 0) return undefined;
    var epoch = state.positions.get(known[0].stream).epoch;
    if (known.length === 1) return { epoch: epoch, offset: state.positions.get(known[0].stream).offset };
    var streams = {};
    known.forEach(function (s) { streams[s.stream] = state.positions.get(s.stream).offset; });
    return { epoch: epoch, streams: streams };
  }

  function sendSubscribe(sub) {
    var id = state.nextId++;
    var frame = Object.assign({ type: 'subscribe', id: id }, sub.request);
    var since = sinceFor(sub);
    if (since) frame.since = since;
    if (send(frame)) {
      state.pending.set(id, sub.key);
      sub.status = 'subscribing';
    }
  }

  function unsubscribe(sub) {
    send(Object.assign({ type: 'unsubscribe' }, sub.request));
    removeLocal(sub);
  }

  function removeLocal(sub) {
    state.subs.delete(sub.key);
    sub.streams.forEach(function (s) {
      var used = false;
      state.subs.forEach(function (other) { if (other.streams.some(function (o) { return o.stream === s.stream; })) used = true; });
      if (!used) state.positions.delete(s.stream);
    });
    render();
  }

  function scheduleRender() {
    if (state.renderQueued) return;
    state.renderQueued = true;
    requestAnimationFrame(function () { state.renderQueued = false; render(); });
  }

  function render() {
    var list = $('subscriptions');
    clear(list);
    if (state.subs.size === 0) list.appendChild(el('li', { 'class': 'note' }, ['No subscriptions yet.']));
    state.subs.forEach(function (sub) {
      var button = el('button', { type: 'button', 'class': 'unsubscribe', title: 'Unsubscribe' }, ['Unsubscribe']);
      button.addEventListener('click', function () { unsubscribe(sub); });
      var streams = sub.streams.map(function (s) {
        var pos = state.positions.get(s.stream);
        return el('div', { 'data-stream': s.stream }, [s.stream + '  ' + (s.history ? '@ ' + (pos ? pos.offset : s.offset) : '(live only)')]);
      });
      list.appendChild(el('li', { 'class': 'subscription', 'data-key': sub.key, 'data-status': sub.status }, [
        el('div', { 'class': 'title' }, [el('span', null, [sub.label]), button]),
        el('div', { 'class': 'status' }, [sub.status + (sub.message ? ' — ' + sub.message : '')]),
        el('div', { 'class': 'streams' }, streams)
      ]));
    });
  }

  // ---------- channel picker ----------

  function loadChannels() {
    fetch('/v1/channels')
      .then(function (res) { return res.json(); })
      .then(function (data) {
        state.channels = (data && Array.isArray(data.channels) ? data.channels : []).filter(function (c) { return c.kind !== 'path'; });
        var select = $('channel-select');
        clear(select);
        ['named', 'channelId'].forEach(function (kind) {
          var group = el('optgroup', { label: kind === 'named' ? 'Channels' : 'Channel ids' });
          state.channels.filter(function (c) { return c.kind === kind; }).forEach(function (c) {
            group.appendChild(el('option', { value: c.name }, [kind === 'channelId' ? c.name + ':<id>' : c.name]));
          });
          if (group.childNodes.length) select.appendChild(group);
        });
        var first = defaults[0] && channelDef(defaults[0].channel) ? defaults[0].channel : (state.channels[0] && state.channels[0].name);
        if (first) select.value = first;
        renderParams();
        renderQuick();
      })
      .catch(function (err) {
        var select = $('channel-select');
        clear(select);
        select.appendChild(el('option', { value: '' }, ['channel list unavailable']));
        setNote('channel-description', 'Could not load /v1/channels: ' + err, true);
      });
  }

  function prefill(def, name) {
    for (var i = 0; i < defaults.length; i++) {
      var d = defaults[i];
      if (d.channel === def.name && d.params && d.params[name] !== undefined) return String(d.params[name]);
    }
    if (name === 'account_id') return $('token-account').value.trim();
    return '';
  }

  function renderParams() {
    var box = $('params');
    clear(box);
    var def = channelDef($('channel-select').value);
    setNote('channel-description', def ? def.description || '' : '');
    if (!def) return;
    var params = def.params || {};
    var names = Object.keys(params);
    if (def.kind === 'channelId' && names.indexOf('id') < 0) { params = { id: { required: true } }; names = ['id']; }
    var oneOf = (def.exactlyOneOf || []).map(function (g) { return g.join(' / '); });
    names.forEach(function (name) {
      var spec = params[name] || {};
      var hint = spec.fromIdentity ? ' (implied: your ' + spec.fromIdentity + ')' : spec.required ? ' (required)' : ' (optional)';
      var input;
      if (Array.isArray(spec.enum)) {
        input = el('select', { 'data-param': name, id: 'param-' + name }, [spec.required ? null : el('option', { value: '' }, ['—'])]);
        spec.enum.forEach(function (v) { input.appendChild(el('option', { value: v }, [v])); });
      } else {
        input = el('input', { 'data-param': name, id: 'param-' + name, autocomplete: 'off', placeholder: spec.description || '' });
      }
      var value = prefill(def, name);
      if (value !== '') input.value = value;
      box.appendChild(el('label', null, [el('span', null, [name + hint]), input]));
    });
    if (oneOf.length) box.appendChild(el('p', { 'class': 'note' }, ['Exactly one of: ' + oneOf.join('; ')]));
    if (!names.length) box.appendChild(el('p', { 'class': 'note' }, ['No params.']));
  }

  function subscribeFromForm() {
    var name = $('channel-select').value;
    if (!name) return;
    var params = {};
    Array.prototype.forEach.call($('params').querySelectorAll('[data-param]'), function (input) {
      var v = input.value.trim();
      if (v !== '') params[input.getAttribute('data-param')] = v;
    });
    addSubscription(toRequest(name, params));
  }

  function renderQuick() {
    var box = $('quick');
    clear(box);
    defaults.forEach(function (d, i) {
      if (!d || typeof d.channel !== 'string') return;
      var request = toRequest(d.channel, d.params || {});
      var b = el('button', { type: 'button', 'class': 'quick', 'data-index': i, title: 'Subscribe to ' + labelOf(request) }, [labelOf(request)]);
      b.addEventListener('click', function () { addSubscription(toRequest(d.channel, d.params || {})); });
      box.appendChild(b);
    });
  }

  // ---------- wiring ----------

  $('get-token').addEventListener('click', function () { getDevToken(); });
  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', disconnect);
  $('subscribe').addEventListener('click', subscribeFromForm);
  $('channel-select').addEventListener('change', renderParams);
  $('clear-events').addEventListener('click', function () { clear($('events')); $('event-count').textContent = ''; });
  $('token').addEventListener('input', function () { state.devTokens = false; });

  setConn('closed', '');
  renderQuick();
  render();
  loadChannels();

  // For tests and the curious: read-only peek at the console's state.
  window.heraldConsole = {
    state: function () {
      return { conn: $('conn-state').getAttribute('data-state'), subscriptions: Array.from(state.subs.values()).map(function (s) { return { label: s.label, status: s.status, streams: s.streams }; }), positions: Object.fromEntries(state.positions) };
    }
  };
})();
`;
