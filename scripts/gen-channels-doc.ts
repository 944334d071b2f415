// Generates the channel tables of docs/channels.md from the channel catalog.
//
//   node --import tsx scripts/gen-channels-doc.ts           print the tables
//   node --import tsx scripts/gen-channels-doc.ts --write   rewrite docs/channels.md between the markers
//
// packages/channels/test/docs.test.ts fails when the file and the catalog disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Rule } from '@herald/authz';
import { createCatalog, type Catalog, type ChannelDef } from '@herald/channels';

export const BEGIN_MARKER = '<!-- catalog:begin -->';
export const END_MARKER = '<!-- catalog:end -->';
export const DOC_PATH = fileURLToPath(new URL('../docs/channels.md', import.meta.url));
export const WRITE_COMMAND = 'node --import tsx scripts/gen-channels-doc.ts --write';

const code = (s: string): string => `\`${s}\``;

/** Table cells may not contain pipes or newlines. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(row)].join('\n');
}

/** A rule as a short English phrase, e.g. "account owns ai_conversation(`conversation_id`)". */
export function describeRule(rule: Rule, nested = false): string {
  switch (rule.kind) {
    case 'authenticated':
      return 'any authenticated identity';
    case 'deny':
      return `nobody (${rule.reason})`;
    case 'permission':
      return `permission ${code(rule.permission)}`;
    case 'identityKind':
      return `${rule.identityKind} identities`;
    case 'matchesIdentity':
      return rule.field === 'accountId'
        ? `${code(rule.param)} is the identity's account`
        : `${code(rule.param)} is the identity's user`;
    case 'owner':
      return `account owns ${rule.resourceType}(${code(rule.param)})`;
    case 'anyOf':
      return `any of (${rule.rules.map((r) => describeRule(r, true)).join('; ')})`;
    case 'allOf':
      return `all of (${rule.rules.map((r) => describeRule(r, true)).join('; ')})`;
    case 'switch': {
      // One line per case at the top level; inline (comma separated) inside any of / all of.
      const parts = Object.entries(rule.cases).map(
        ([value, r]) => `${code(rule.param)}=${code(value)}: ${describeRule(r, true)}`,
      );
      const hasCases = parts.length > 0;
      if (rule.absent) parts.push(`without ${code(rule.param)}: ${describeRule(rule.absent, true)}`);
      if (rule.otherwise) {
        parts.push(`${hasCases ? `other ${code(rule.param)}` : `with ${code(rule.param)}`}: ${describeRule(rule.otherwise, true)}`);
      } else if (hasCases) {
        parts.push(`other ${code(rule.param)}: nobody`);
      }
      return parts.join(nested ? ', ' : '<br>');
    }
    default: {
      const unknown: never = rule;
      return `unknown rule ${(unknown as { kind: string }).kind}`;
    }
  }
}

function describeParams(def: ChannelDef): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(def.params.fields)) {
    const notes: string[] = [];
    if (spec.required) notes.push('required');
    if (spec.fromIdentity) notes.push(`implied: the identity's ${spec.fromIdentity === 'accountId' ? 'account' : 'user'}`);
    if (!spec.required && !spec.fromIdentity) notes.push('optional');
    if (spec.enum) notes.push(`one of ${spec.enum.map(code).join(', ')}`);
    lines.push(`${code(name)} (${notes.join('; ')})`);
  }
  for (const group of def.params.exactlyOneOf ?? []) {
    lines.push(`exactly one of ${group.map(code).join(', ')}`);
  }
  return lines.length > 0 ? lines.join('<br>') : '—';
}

function describeStreams(def: ChannelDef): string {
  const streams = def.streams.map(code);
  if (streams.length === 1) return streams[0] as string;
  if ((def.select ?? 'first') === 'all') return `all of: ${streams.join('<br>')}`;
  return `first that applies: ${streams.join('<br>')}`;
}

function describeOnSubscribe(def: ChannelDef): string {
  const parts: string[] = [];
  if (def.onSubscribe?.greeting) parts.push(`greeting ${code(def.onSubscribe.greeting.event)}`);
  if (def.onSubscribe?.snapshot) parts.push('latest stored event (snapshot)');
  return parts.length > 0 ? parts.join('<br>') : '—';
}

function describeActions(def: ChannelDef): string {
  const actions = Object.entries(def.actions ?? {});
  if (actions.length === 0) return '—';
  return actions
    .map(([name, spec]) => {
      const mode = spec.mode === 'request' ? 'request' : `broadcast as ${code(spec.event ?? name)}`;
      const fields = Object.entries(spec.data).map(([f, d]) => `${code(f)}: ${d.type}${d.required ? '' : '?'}`);
      return `${code(name)} (${mode}; ${fields.length > 0 ? `{${fields.join(', ')}}` : 'no data'})`;
    })
    .join('<br>');
}

const history = (def: ChannelDef): string => (def.history ? 'yes' : 'no');

/** The generated part of docs/channels.md: one table per kind of channel. */
export function renderCatalogTables(catalog: Catalog): string {
  const defs = catalog.list();
  const named = defs.filter((d) => d.kind === 'named').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ids = defs.filter((d) => d.kind === 'channelId');
  const paths = defs.filter((d) => d.kind === 'path');

  const sections = [
    '### Named channels',
    '',
    'Subscribe with `{"channel": "<name>", "params": {...}}` (native dialect on `/ws`) or the same name and params as an ' +
      'ActionCable identifier on `/cable`. In the actions column, a data field followed by `?` is optional.',
    '',
    table(
      ['channel', 'params', 'stream(s)', 'who may subscribe', 'history', 'on subscribe', 'actions'],
      named.map((d) => [
        `${code(d.name)}<br>${d.description}`,
        describeParams(d),
        describeStreams(d),
        describeRule(d.rule),
        history(d),
        describeOnSubscribe(d),
        describeActions(d),
      ]),
    ),
    '',
    '### Channel ids',
    '',
    'Subscribe with `{"type": "subscribe", "channelId": "<prefix>:<id>"}` (e.g. on `/api/ws`); everything after the first `:` is the `id` param.',
    '',
    table(
      ['channel id', 'carries', 'stream', 'who may subscribe', 'history'],
      ids.map((d) => [code(`${d.name}:<id>`), d.description, describeStreams(d), describeRule(d.rule), history(d)]),
    ),
    '',
    '### Path streams',
    '',
    'The WebSocket URL path is the subscription: connecting to it subscribes, and its `{…}` segments are the params.',
    '',
    table(
      ['path', 'carries', 'params', 'stream', 'who may subscribe', 'history'],
      paths.map((d) => [
        code(d.path ?? d.name),
        d.description,
        describeParams(d),
        describeStreams(d),
        describeRule(d.rule),
        history(d),
      ]),
    ),
  ];
  return sections.join('\n');
}

/** Replace what lies between the markers of `doc` with `tables`; throws when the markers are missing. */
export function replaceCatalogSection(doc: string, tables: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`docs/channels.md needs ${BEGIN_MARKER} followed by ${END_MARKER}`);
  return `${doc.slice(0, begin + BEGIN_MARKER.length)}\n${tables}\n${doc.slice(end)}`;
}

/** The text currently between the markers (without the surrounding newlines). */
export function extractCatalogSection(doc: string): string | undefined {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return undefined;
  return doc.slice(begin + BEGIN_MARKER.length, end).replace(/^\n/, '').replace(/\n$/, '');
}

function main(): void {
  const tables = renderCatalogTables(createCatalog());
  if (process.argv.includes('--write')) {
    const doc = readFileSync(DOC_PATH, 'utf8');
    const next = replaceCatalogSection(doc, tables);
    if (next !== doc) writeFileSync(DOC_PATH, next);
    console.log(next === doc ? 'docs/channels.md is up to date' : 'docs/channels.md updated');
  } else {
    console.log(tables);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
