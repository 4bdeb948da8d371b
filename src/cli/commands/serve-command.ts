/**
 * `holocron serve [--port 8080] [--host 127.0.0.1]`: the HTTP API and the dashboard in one process,
 * over the configured database and lake, until SIGINT/SIGTERM. Tokens come from the environment
 * (HOLOCRON_API_TOKEN may act, HOLOCRON_API_READ_TOKEN may only look), never from flags (they would
 * show in `ps`). Any address other than loopback is refused without HOLOCRON_API_TOKEN.
 */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { dashboardRoutes } from '../../dashboard/dashboard-routes.ts';
import { openHolocron } from '../../holocron.ts';
import { checkServeSafety, defaultHost, defaultPort, startServer } from '../../server/start-server.ts';
import type { ServerAuth } from '../../server/request-auth.ts';
import { contextFrom } from '../command-context.ts';
import { integerOption, positiveIntegerOption } from '../option-parsers.ts';

function portOption(value: string): number {
  const port = integerOption(value);
  if (port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0: any free port)');
  return port;
}

export function authFromEnvironment(environment: NodeJS.ProcessEnv): ServerAuth {
  const token = environment.HOLOCRON_API_TOKEN?.trim() || undefined;
  const readToken = environment.HOLOCRON_API_READ_TOKEN?.trim() || undefined;
  return { ...(token !== undefined ? { token } : {}), ...(readToken !== undefined ? { readToken } : {}) };
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API and the dashboard (tokens: HOLOCRON_API_TOKEN, HOLOCRON_API_READ_TOKEN)')
    .option('--host <host>', 'address to listen on (other than loopback: only with HOLOCRON_API_TOKEN)', defaultHost)
    .option('--port <number>', 'port to listen on (0 = any free port)', portOption, defaultPort)
    .option('--statement-timeout-ms <ms>', 'stop a query that runs longer (PostgreSQL; SQLite cannot interrupt one)', positiveIntegerOption, 10_000)
    .action(async (flags: { host: string; port: number; statementTimeoutMs: number }, command: Command) => {
      const context = contextFrom(command);
      const auth = authFromEnvironment(process.env);
      // Refuse before opening anything.
      checkServeSafety(flags.host, auth);
      const holocron = await openHolocron(context.config, { statementTimeoutMs: flags.statementTimeoutMs });
      try {
        const server = await startServer({
          holocron,
          host: flags.host,
          port: flags.port,
          auth,
          dashboard: dashboardRoutes(),
          version: packageVersion(),
          logError: (error) => context.logger.error({ err: error }, 'request failed'),
        });
        const access = auth.token === undefined ? 'no token (loopback only)' : auth.readToken === undefined ? 'token required' : 'token required; read-only token accepted';
        process.stdout.write(`Holocron serving on ${server.url} (${access}); database ${holocron.database.displayUrl}, lake ${holocron.lake.location}\n`);
        const signal = await waitForShutdownSignal();
        process.stdout.write(`${signal} received, closing the server\n`);
        await server.close();
      } finally {
        await holocron.close();
      }
    });
}
