/**
 * `npm run build`: the production build, one ES module `dist/herald.mjs` that runs the `herald`
 * CLI with plain `node` (no TypeScript loader at run time). The workspace packages are bundled in;
 * the runtime dependencies (uWebSockets.js, NATS, jose, prom-client, …) stay in node_modules. The
 * console's browser script is built here once instead of on the first page view.
 *
 *   npm run build && node dist/herald.mjs start
 *
 * Why a bundle and not tsc output: the packages point their `exports` at TypeScript sources for
 * the development loader, and a bundle is one file to ship. Running the edge without tsx also
 * drops esbuild's keep-names wrappers from every closure: the connect storm spends ~10% less CPU
 * per connect (docs/benchmarks/connect-storm.md, `npm run bench -- connect-storm --sources` for the tsx side).
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleConsoleScript } from '../packages/console/src/bundle.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
export const OUTFILE = `${root}dist/herald.mjs`;

export async function buildHerald(outfile = OUTFILE): Promise<string> {
  return bundleNodeProgram(
    { contents: "import { main } from './packages/cli/src/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n", sourcefile: 'herald-entry.ts' },
    outfile,
    { __HERALD_CONSOLE_SCRIPT__: JSON.stringify(bundleConsoleScript()) },
  );
}

/** One Node program (TypeScript entry) as one ES module; also used by the benchmark for its baseline server. */
export async function bundleNodeProgram(entry: { contents: string; sourcefile: string } | string, outfile: string, define: Record<string, string> = {}): Promise<string> {
  await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { ...entry, resolveDir: root, loader: 'ts' } }),
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: `${root}tsconfig.json`,
    // Runtime dependencies are installed next to the bundle (npm ci --omit=dev); esbuild is tsx's.
    external: [...Object.keys(pkg.dependencies), 'esbuild'],
    // Bundled CommonJS code (if any) may call require(): give the module one.
    banner: { js: "import { createRequire as __heraldRequire } from 'node:module';\nconst require = __heraldRequire(import.meta.url);" },
    define,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildHerald();
  process.stdout.write(`built ${out}\n`);
}
