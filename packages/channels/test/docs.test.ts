import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createCatalog } from '@herald/channels';
import {
  DOC_PATH,
  WRITE_COMMAND,
  describeRule,
  extractCatalogSection,
  renderCatalogTables,
  replaceCatalogSection,
} from '../../../scripts/gen-channels-doc.js';

const catalog = createCatalog();

test('docs/channels.md shows the current catalog', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const section = extractCatalogSection(doc);
  assert.notEqual(section, undefined, 'docs/channels.md lost its <!-- catalog:begin --> / <!-- catalog:end --> markers');
  assert.equal(
    section,
    renderCatalogTables(catalog),
    `the channel tables in docs/channels.md are out of date: run \`${WRITE_COMMAND}\``,
  );
});

test('the generated tables list every channel with its streams and rule', () => {
  const tables = renderCatalogTables(catalog);
  for (const def of catalog.list()) {
    assert.ok(tables.includes(`\`${def.kind === 'path' ? def.path : def.name}`), def.name);
    for (const s of def.streams) assert.ok(tables.includes(`\`${s}\``), `${def.name}: ${s}`);
  }
  // Every table row has the same number of cells as its header.
  for (const block of tables.split(/\n\n/).filter((b) => b.startsWith('|'))) {
    const rows = block.split('\n');
    const width = (row: string): number => row.replace(/\\\|/g, '').split('|').length;
    for (const row of rows) assert.equal(width(row), width(rows[0] as string), row);
  }
});

test('rules read as text', () => {
  const rule = (name: string) => catalog.get(name)!.rule;
  assert.equal(describeRule(rule('AiConversationChannel')), 'account owns ai_conversation(`conversation_id`)');
  assert.equal(describeRule(rule('CustomerChannel')), 'permission `admin.access`');
  assert.equal(describeRule(rule('NotificationChannel')), "`account_id` is the identity's account");
  assert.equal(
    describeRule(rule('AiStreamingChannel')),
    'any of (account owns ai_agent_execution(`execution_id`); account owns ai_conversation(`conversation_id`))',
  );
  assert.equal(describeRule(rule('WorkerDataChannel')), "all of (worker identities; `user_id` is the identity's user)");
  assert.equal(
    describeRule(rule('MissionChannel')),
    "`type`=`account`: `id` is the identity's account<br>`type`=`mission`: account owns mission(`id`)<br>other `type`: nobody",
  );
  assert.equal(
    describeRule(rule('AnalyticsChannel')),
    "without `account_id`: permission `admin.access`<br>with `account_id`: any of (`account_id` is the identity's account; permission `admin.access`)",
  );
  assert.equal(describeRule({ kind: 'deny', reason: 'retired' }), 'nobody (retired)');
  assert.equal(describeRule({ kind: 'authenticated' }), 'any authenticated identity');
});

test('the section between the markers is replaced, the rest kept', () => {
  const doc = 'intro\n<!-- catalog:begin -->\nold\n<!-- catalog:end -->\noutro\n';
  const next = replaceCatalogSection(doc, 'NEW');
  assert.equal(next, 'intro\n<!-- catalog:begin -->\nNEW\n<!-- catalog:end -->\noutro\n');
  assert.equal(extractCatalogSection(next), 'NEW');
  assert.equal(replaceCatalogSection(next, 'NEW'), next);
  assert.throws(() => replaceCatalogSection('no markers', 'x'), /catalog:begin/);
  assert.equal(extractCatalogSection('no markers'), undefined);
});
