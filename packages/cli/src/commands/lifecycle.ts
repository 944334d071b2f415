import type { Logger } from '@herald/telemetry';

/**
 * Run until SIGINT/SIGTERM, then call `stop` once (a second signal exits at
 * once). Shared by every long-running command.
 */
export function runUntilSignal(log: Logger, stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string): void => {
      if (stopping) process.exit(130); // a second Ctrl-C means now
      stopping = true;
      log.info('shutting down', { signal });
      const exit = (code: number): void => {
        // Whatever still holds the event loop (a keep-alive socket, a client library timer) must not keep a stopped service alive.
        setTimeout(() => process.exit(code), 2000).unref();
        resolve(code);
      };
      stop().then(
        () => exit(0),
        (err: unknown) => {
          log.error('shutdown failed', { error: err });
          exit(1);
        },
      );
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
}
