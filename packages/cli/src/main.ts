import { ConfigError } from '@herald/config';
import { authzCommand } from './commands/authz.js';
import { edgeCommand } from './commands/edge.js';
import { producersCommand } from './commands/producers.js';
import { publishCommand } from './commands/publish.js';
import { revokeCommand } from './commands/revoke.js';
import { startCommand } from './commands/start.js';
import { tailCommand } from './commands/tail.js';
import { tokenCommand } from './commands/token.js';

const USAGE = `herald — real-time push gateway

Usage:
  herald start                              run embedded mode (edge + authz + demo producers, in-memory bus)
  herald edge                               run a cluster-mode edge pod (NATS_URL)
  herald authz                              run the authz service (NATS_URL; queue group herald-authz)
  herald producers                          run the demo producers over NATS (NATS_URL)
  herald revoke <session|user|account|api_token> <value> [--token <jwt>] [--reason r] [--ttl 12h]
                                            close and block sockets on every pod (HERALD_URL, HERALD_API_KEY)
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
      case 'edge':
        return await edgeCommand(rest);
      case 'authz':
        return await authzCommand(rest);
      case 'producers':
        return await producersCommand(rest);
      case 'revoke':
        return await revokeCommand(rest);
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
