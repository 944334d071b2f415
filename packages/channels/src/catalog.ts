import type { Identity } from '@herald/auth';
import type { Rule } from '@herald/authz';
import type { ChannelDef, ParamSpec, ResolveResult, SubscriptionRequest } from './types.js';

/** Param values are ids or enum words: no `:` (stream token separator), no spaces, bounded length. */
const PARAM_VALUE = /^[A-Za-z0-9_@.+=-]{1,128}$/;
/** Values taken from a verified token (user ids like `auth0|123`): anything but separators and control characters. */
// eslint-disable-next-line no-control-regex
const IDENTITY_VALUE = /^[^\s:\u0000-\u001f\u007f]{1,256}$/;
const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

interface CompiledTemplate {
  readonly template: string;
  readonly placeholders: readonly string[];
  /** The template cut at its placeholders: literal text at even indexes, param names at odd ones. */
  readonly parts: readonly string[];
  /** Matches the streams the template produces; group i captures placeholder i. */
  readonly matcher: RegExp;
}

interface CompiledChannel {
  readonly def: ChannelDef;
  readonly templates: readonly CompiledTemplate[];
  /** `def.params.fields` as entries, once instead of per subscribe. */
  readonly fields: readonly (readonly [string, ParamSpec])[];
  /** Param names in sorted order with their JSON key prefix (`"name":`): the subscription key without a sort per subscribe. */
  readonly keyOrder: readonly (readonly [string, string])[];
}

/** A channel whose subscription with `params` reads a given stream (see `Catalog.channelsForStream`). */
export interface StreamReader {
  readonly def: ChannelDef;
  /** Validated params, as `resolve` returns them (implied ones filled from the identity, when given). */
  readonly params: Readonly<Record<string, string>>;
}

/** Catalog-wide facts about one stream name, found by matching it against every template. */
export interface StreamInfo {
  readonly history: boolean;
  readonly channels: readonly string[];
}

const STREAM_INFO_CACHE = 50_000;

export class Catalog {
  readonly #named = new Map<string, CompiledChannel>();
  readonly #channelIds = new Map<string, CompiledChannel>();
  readonly #paths: CompiledChannel[] = [];
  readonly #all: CompiledChannel[] = [];
  readonly #byName = new Map<string, ChannelDef>();
  readonly #automatic: ChannelDef[] = [];
  readonly #streamInfo = new Map<string, StreamInfo | undefined>();

  constructor(defs: readonly ChannelDef[]) {
    const names = new Set<string>();
    for (const def of defs) {
      if (names.has(def.name)) throw new Error(`channel ${def.name} is defined twice`);
      names.add(def.name);
      const fields = Object.entries(def.params.fields);
      const keyOrder = fields.map(([name]) => name).sort().map((name) => [name, `${JSON.stringify(name)}:`] as const);
      const compiled: CompiledChannel = { def, templates: def.streams.map(compileTemplate), fields, keyOrder };
      validateDef(def, compiled.templates);
      if (def.kind === 'channelId') this.#channelIds.set(def.name, compiled);
      else this.#named.set(def.name, compiled); // path channels too: a path socket's subscription is `{channel: '/ws/agents', params}`
      if (def.kind === 'path') this.#paths.push(compiled);
      this.#all.push(compiled);
      this.#byName.set(def.name, def);
      if (def.automatic) this.#automatic.push(def);
    }
  }

  /** Every definition, in declaration order. */
  list(): readonly ChannelDef[] {
    return this.#all.map((c) => c.def);
  }

  /** Channels every connection is subscribed to on open. */
  automatic(): readonly ChannelDef[] {
    return this.#automatic;
  }

  /** Names are unique across kinds: `AiConversationChannel`, `agent`, `/ws/agents`. */
  get(name: string): ChannelDef | undefined {
    return this.#byName.get(name);
  }

  /** Validate a subscription request against the catalog and map it to streams. Authorization is separate. */
  resolve(request: SubscriptionRequest, identity: Identity): ResolveResult {
    if ('channelId' in request) {
      const raw = request.channelId;
      const sep = typeof raw === 'string' ? raw.indexOf(':') : -1;
      const compiled = sep > 0 ? this.#channelIds.get(raw.slice(0, sep)) : undefined;
      if (!compiled) return { ok: false, reason: 'unknown_channel', message: `unknown channel id ${JSON.stringify(raw)}` };
      return resolveWith(compiled, { id: raw.slice(sep + 1) }, identity);
    }
    const compiled = typeof request.channel === 'string' ? this.#named.get(request.channel) : undefined;
    if (!compiled) return { ok: false, reason: 'unknown_channel', message: `unknown channel ${JSON.stringify(request.channel)}` };
    return resolveWith(compiled, request.params ?? {}, identity);
  }

  /**
   * Producer side: the streams of `channel` with `params`, validated like a
   * subscription, with no identity to imply params from (give them all).
   */
  resolveForPublish(channel: string, params: unknown): ResolveResult {
    const compiled = this.#all.find((c) => c.def.name === channel);
    if (!compiled) return { ok: false, reason: 'unknown_channel', message: `unknown channel ${JSON.stringify(channel)}` };
    return resolveWith(compiled, params ?? {}, undefined);
  }

  /** Resolve a path-dialect URL (`/ws/agents/a-1`) to its channel. */
  resolvePath(path: string, identity: Identity): ResolveResult {
    for (const compiled of this.#paths) {
      const pattern = compiled.def.path;
      if (!pattern) continue;
      const params = matchPath(pattern, path);
      if (params) return resolveWith(compiled, params, identity);
    }
    return { ok: false, reason: 'unknown_channel', message: `no path stream at ${JSON.stringify(path)}` };
  }

  /**
   * What the catalog says about a stream name (history on/off); undefined if
   * no template produces it. Asked on every publish: answers are remembered
   * (the catalog never changes), in a map cleared when it grows too large.
   */
  streamInfo(stream: string): StreamInfo | undefined {
    if (this.#streamInfo.has(stream)) return this.#streamInfo.get(stream);
    if (this.#streamInfo.size >= STREAM_INFO_CACHE) this.#streamInfo.clear();
    const info = this.#matchStream(stream);
    this.#streamInfo.set(stream, info);
    return info;
  }

  /**
   * Every channel, with params, whose subscription reads `stream`: templates are matched in
   * reverse and the params they yield are validated like a subscription's (enums, value syntax,
   * one-of groups), keeping only those that resolve to `stream`. Authorizing any of them is
   * authorizing the stream (REST reads of history).
   *
   * Params the template does not name are implied from `identity` where the channel says so (the
   * Inbox's user id). Other required ones (`GitJobLogsChannel`'s repository and pipeline, the
   * account of `DevopsPipelineChannel`'s pipeline stream) may take any value a subscriber could
   * give: the candidates are the values the channel's rule could allow (the identity's account or
   * user where the rule compares them, switch cases) or a placeholder when the rule ignores them.
   */
  channelsForStream(stream: string, identity?: Identity): StreamReader[] {
    const out: StreamReader[] = [];
    for (const c of this.#all) {
      const seen = new Set<string>();
      for (const t of c.templates) {
        const m = t.matcher.exec(stream);
        if (!m) continue;
        const params: Record<string, string> = {};
        let consistent = true;
        t.placeholders.forEach((p, i) => {
          const v = m[i + 1] as string;
          if (params[p] !== undefined && params[p] !== v) consistent = false;
          params[p] = v;
        });
        if (!consistent) continue;
        const free = Object.entries(c.def.params.fields).filter(([name, spec]) => spec.required && params[name] === undefined && !(spec.fromIdentity && identity));
        for (const combo of combinations(free.map(([name, spec]) => [name, freeValues(c.def.rule, name, spec, identity)] as const))) {
          const resolved = resolveWith(c, { ...params, ...combo }, identity);
          if (!resolved.ok || !resolved.streams.includes(stream) || seen.has(resolved.key)) continue;
          seen.add(resolved.key);
          out.push({ def: c.def, params: resolved.params });
        }
      }
    }
    return out;
  }

  #matchStream(stream: string): StreamInfo | undefined {
    let history: boolean | undefined;
    const channels: string[] = [];
    for (const c of this.#all) {
      if (c.templates.some((t) => t.matcher.test(stream))) {
        channels.push(c.def.name);
        history = (history ?? false) || c.def.history;
      }
    }
    return history === undefined ? undefined : { history, channels };
  }
}

/** Values a subscriber could give a param the stream does not name, for `rule` to possibly allow. */
function freeValues(rule: Rule, param: string, spec: ParamSpec, identity: Identity | undefined): string[] {
  const found = new Set<string>();
  const walk = (r: Rule): void => {
    switch (r.kind) {
      case 'matchesIdentity': {
        const v = identity?.[r.field];
        if (r.param === param && v !== undefined) found.add(v);
        return;
      }
      case 'switch':
        if (r.param === param) for (const k of Object.keys(r.cases)) found.add(k);
        for (const sub of [...Object.values(r.cases), ...(r.absent ? [r.absent] : []), ...(r.otherwise ? [r.otherwise] : [])]) walk(sub);
        return;
      case 'anyOf':
      case 'allOf':
        for (const sub of r.rules) walk(sub);
        return;
      default:
        return;
    }
  };
  walk(rule);
  let values = [...found];
  if (spec.enum) values = values.filter((v) => spec.enum?.includes(v));
  if (values.length === 0) values = [spec.enum?.[0] ?? '_'];
  return values.slice(0, 8);
}

/** Every assignment picking one value per param (at most 64). */
function combinations(choices: readonly (readonly [string, readonly string[]])[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, values] of choices) out = out.flatMap((o) => values.map((v) => ({ ...o, [name]: v }))).slice(0, 64);
  return out;
}

function resolveWith(compiled: CompiledChannel, rawParams: unknown, identity: Identity | undefined): ResolveResult {
  const { def } = compiled;
  if (rawParams === null || typeof rawParams !== 'object' || Array.isArray(rawParams)) {
    return invalid(`${def.name}: params must be an object`);
  }
  const input = rawParams as Record<string, unknown>;
  const params: Record<string, string> = {};
  for (const [name, spec] of compiled.fields) {
    let value = Object.hasOwn(input, name) ? input[name] : undefined;
    let implied = false;
    if (value === undefined || value === null || value === '') {
      value = spec.fromIdentity && identity ? identity[spec.fromIdentity] : undefined;
      implied = value !== undefined;
    }
    if (value === undefined) {
      if (spec.required) return invalid(`${def.name}: missing required param ${name}`);
      continue;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
    if (typeof value !== 'string') return invalid(`${def.name}: param ${name} must be a string or an integer`);
    if (!(implied ? IDENTITY_VALUE : PARAM_VALUE).test(value)) return invalid(`${def.name}: param ${name} has invalid characters or length`);
    if (spec.enum && !spec.enum.includes(value)) {
      return invalid(`${def.name}: param ${name} must be one of ${spec.enum.join(', ')}`);
    }
    params[name] = value;
  }
  for (const group of def.params.exactlyOneOf ?? []) {
    const present = group.filter((p) => params[p] !== undefined);
    if (present.length !== 1) return invalid(`${def.name}: exactly one of ${group.join(', ')} is required`);
  }
  const streams = selectStreams(compiled, params);
  if (streams.length === 0) return invalid(`${def.name}: params do not name a stream`);
  return { ok: true, def, params, streams, key: subscriptionKey(compiled, params) };
}

/** `name` + the params as JSON with sorted keys: equal params in any order, equal keys. */
function subscriptionKey(compiled: CompiledChannel, params: Readonly<Record<string, string>>): string {
  let json = '';
  for (const [name, prefix] of compiled.keyOrder) {
    const value = params[name];
    if (value === undefined) continue;
    json += `${json === '' ? '' : ','}${prefix}${JSON.stringify(value)}`;
  }
  return `${compiled.def.name}{${json}}`;
}

function selectStreams(compiled: CompiledChannel, params: Record<string, string>): string[] {
  // Exact-length arrays: a subscription keeps its streams, and an array grown by push from empty
  // reserves 17 slots (152 bytes per subscription, for one stream).
  const all = (compiled.def.select ?? 'first') !== 'first';
  let out: string[] | undefined;
  for (const t of compiled.templates) {
    const stream = renderTemplate(t, params);
    if (stream === undefined) continue;
    if (!all) return [stream];
    (out ??= []).push(stream);
  }
  return out ? out.slice() : [];
}

/** The template with its placeholders filled in; undefined when a param it needs is absent. */
function renderTemplate(t: CompiledTemplate, params: Readonly<Record<string, string>>): string | undefined {
  let out = t.parts[0] as string;
  for (let i = 1; i < t.parts.length; i += 2) {
    const value = params[t.parts[i] as string];
    if (value === undefined) return undefined;
    out += value + (t.parts[i + 1] as string);
  }
  return out;
}

function compileTemplate(template: string): CompiledTemplate {
  // Split once: literal text at even indexes, placeholder names at odd ones; the rest derives from it.
  const parts = template.split(PLACEHOLDER);
  const placeholders = parts.filter((_, i) => i % 2 === 1);
  const source = parts.map((part, i) => (i % 2 === 1 ? '([^:]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return { template, placeholders, parts, matcher: new RegExp(`^${source}$`) };
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    const m = /^\{([A-Za-z0-9_]+)\}$/.exec(w);
    if (m) {
      if (g === '') return undefined;
      params[m[1] as string] = safeDecode(g);
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function validateDef(def: ChannelDef, templates: readonly CompiledTemplate[]): void {
  if (templates.length === 0) throw new Error(`channel ${def.name} has no stream template`);
  for (const t of templates) {
    for (const p of t.placeholders) {
      if (!def.params.fields[p]) throw new Error(`channel ${def.name}: template ${t.template} uses undeclared param ${p}`);
    }
  }
  for (const action of Object.keys(def.actions ?? {})) {
    if (!/^[a-z][a-z0-9_]*$/.test(action)) throw new Error(`channel ${def.name}: bad action name ${action}`);
  }
  if (def.automatic) {
    // Subscribed with no params on open: the identity must supply every required one.
    for (const [name, spec] of Object.entries(def.params.fields)) {
      if (spec.required && !spec.fromIdentity) throw new Error(`automatic channel ${def.name}: required param ${name} is not implied by the identity`);
    }
  }
  if (def.kind === 'path' && !def.path) throw new Error(`path channel ${def.name} needs a path`);
  if (def.kind === 'channelId' && !def.params.fields['id']?.required) {
    throw new Error(`channel-id channel ${def.name} must declare a required id param`);
  }
}

function invalid(message: string): ResolveResult {
  return { ok: false, reason: 'invalid_params', message };
}
