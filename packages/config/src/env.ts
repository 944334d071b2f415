/**
 * Typed readers for environment variables. Each reader records a problem
 * instead of throwing, so a bad start reports every bad value at once.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.problems.push(`${name}: must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return n;
  }

  /** A duration like `250ms`, `30s`, `5m`, `2h`, `1d`; a bare number is in `bareUnit`. Returns ms. */
  duration(name: string, fallbackMs: number, bareUnit: 'ms' | 's', minMs: number, maxMs: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallbackMs;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v);
    const ms = m ? Number(m[1]) * (UNITS[m[2] ?? bareUnit] as number) : NaN;
    if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
      this.problems.push(`${name}: must be a duration from ${minMs}ms to ${maxMs}ms, e.g. 30s or 5m (got ${JSON.stringify(v)})`);
      return fallbackMs;
    }
    return Math.round(ms);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${name}: must be true or false (got ${JSON.stringify(v)})`);
    return fallback;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return v as T;
  }

  check(condition: boolean, problem: string): void {
    if (!condition) this.problems.push(problem);
  }
}
