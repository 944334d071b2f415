#!/usr/bin/env node
// Runs the `herald` CLI from TypeScript sources (development and `npm start`).
// Production runs the build instead: `npm run build && node dist/herald.mjs start` (scripts/build.ts).
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../packages/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
