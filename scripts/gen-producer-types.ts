// Generates packages/producer/src/channels.generated.ts: the params of every catalog channel as
// TypeScript types, so `producer.channel('AiConversationChannel', {...})` is checked by the compiler.
//
//   node --import tsx scripts/gen-producer-types.ts           print the file
//   node --import tsx scripts/gen-producer-types.ts --write   rewrite it
//
// packages/producer/test/typed.test.ts fails when the file and the catalog disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCatalog, type Catalog } from '@herald/channels';

export const TYPES_PATH = fileURLToPath(new URL('../packages/producer/src/channels.generated.ts', import.meta.url));
export const WRITE_COMMAND = 'node --import tsx scripts/gen-producer-types.ts --write';

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const key = (s: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : quote(s));

export function renderProducerTypes(catalog: Catalog): string {
  const lines = [
    `// Generated from the channel catalog by \`${WRITE_COMMAND}\`. Do not edit.`,
    '',
    '/** Params a producer gives to name the streams of each channel (identity-implied params included). */',
    'export interface ChannelParams {',
  ];
  for (const def of catalog.list()) {
    const fields = Object.entries(def.params.fields).map(([name, spec]) => {
      const type = spec.enum ? spec.enum.map(quote).join(' | ') : 'string';
      return `${key(name)}${spec.required ? '' : '?'}: ${type}`;
    });
    lines.push(`  ${key(def.name)}: ${fields.length ? `{ ${fields.join('; ')} }` : 'Record<string, never>'};`);
  }
  lines.push('}', '', 'export type ChannelName = keyof ChannelParams;', '');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const text = renderProducerTypes(createCatalog());
  if (process.argv.includes('--write')) {
    if (readFileSync(TYPES_PATH, 'utf8').toString() !== text) writeFileSync(TYPES_PATH, text);
  } else {
    process.stdout.write(text);
  }
}
