/** Condition waits for tests: poll instead of fixed sleeps, and say what was awaited on failure. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const describe = (what: string | (() => string)): string => (typeof what === 'function' ? what() : what);

type Falsy = undefined | null | false | 0 | '';

/** Poll `probe` (sync or async) until it gives a truthy value (0 and '' are not); fail after `timeoutMs` saying `what`. */
export async function waitFor<T>(what: string | (() => string), probe: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe(what)}`);
    await sleep(10);
  }
}

/** Assert `check` holds for `ms`, checked at the start, every 25 ms and at the end (a "nothing happens" window). */
export async function holdsFor(what: string | (() => string), check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!check()) throw new Error(`no longer true: ${describe(what)}`);
    if (Date.now() >= deadline) return;
    await sleep(25);
  }
}
