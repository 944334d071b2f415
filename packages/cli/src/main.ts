import { ConfigError } from '@herald/config';
import { publishCommand } from './commands/publish.js';
import { startCommand } from './commands/start.js';
import { tailCommand } from './commands/tail.js';
import { tokenCommand } from './commands/token.js';

const USAGE = `herald — real-time push gateway

Usage:
  herald start                              run embedded mode (edge + authz + demo producers, in-memory bus)
  herald token --sub <user> [--account <id>] [--perm <p>]... [--ttl 1h] [--kind user|worker|service]
                                            print a JWT signed with HERALD_JWT_SECRET (or the development secret)
  herald publish <stream>... --event <name> [--payload <json>] [--resource-type t --resource-id id]
                                            publish one event through the HTTP API (HERALD_URL, HERALD_API_KEY)
  herald tail <channel|channelId> [key=value]... [--since <epoch>:<offset>]
                                            subscribe and print events as JSON lines (HERALD_URL, HERALD_TOKEN)

Configuration comes from environment variables; see docs/configuration.md.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await startCommand(rest);
      case 'token':
        return await tokenCommand(rest);
      case 'publish':
        return await publishCommand(rest);
      case 'tail':
        return await tailCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`herald: unknown command ${command}\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    if (err instanceof UsageError) {
      process.stderr.write(`herald ${command}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

export class UsageError extends Error {}
