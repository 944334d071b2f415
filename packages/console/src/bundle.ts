import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Set by `npm run build` (scripts/build.ts): the production bundle carries the script, built once at build time. */
declare const __HERALD_CONSOLE_SCRIPT__: string | undefined;

/**
 * The console's browser script: browser/main.ts bundled with @herald/client (esbuild, one classic
 * IIFE script, no imports left) the first time a page is rendered, then cached for the process.
 * esbuild is here anyway: it is what tsx, the runtime's TypeScript loader, is built on.
 */
export function consoleScript(): string {
  cached ??= typeof __HERALD_CONSOLE_SCRIPT__ === 'string' ? __HERALD_CONSOLE_SCRIPT__ : bundleConsoleScript();
  return cached;
}

export function bundleConsoleScript(): string {
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL('./browser/main.ts', import.meta.url))],
    // Explicit, so the bundle does not depend on which tsconfig (paths) sits above the checkout.
    alias: { '@herald/client': fileURLToPath(new URL('../../client/src/index.ts', import.meta.url)) },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    charset: 'ascii',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  // The script is inlined: it must not be able to end its own <script> element.
  if (/<\/script|<!--/i.test(code)) throw new Error('console bundle contains </script or <!--: cannot inline it');
  return code;
}
