import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { natsServerBinary } from '@herald/local-nats';

/** What the figures were measured on. */
export function machine(): Record<string, string | number> {
  let nats = 'unknown';
  try {
    nats = execFileSync(natsServerBinary(), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // not installed: cluster mode was not run
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    nats_server: nats,
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
  };
}
