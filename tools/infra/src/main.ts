/**
 * The command line of the local infrastructure:
 *
 *   node -r @swc-node/register tools/infra/src/main.ts <up|down|status|reset|serve|wait-ready> [--postgres-replicas N]
 *
 * usually through Nx (`npx nx run infra:up`), which sets SWC_NODE_PROJECT so the `@workshop/*`
 * path aliases resolve. See tools/infra/README.md.
 */
import {
  formatStatusTable,
  infrastructureStatus,
  isHealthy,
  resetInfrastructure,
  stopComponent,
  stopInfrastructure,
  upInfrastructure,
  waitForInfrastructure,
  type ComponentName,
  type InfrastructureOptions,
} from './index';

const USAGE = 'usage: main.ts <up|down|status|reset|serve|wait-ready> [--postgres-replicas N] [--timeout-seconds N]';
/** How often `serve` checks that what it started still runs. */
const WATCH_INTERVAL_MS = 10_000;
/** What ends `serve`: Ctrl-C, Nx or a process manager stopping it, the terminal closing. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Kafka's controlled shutdown is the slowest part; this is well beyond it. */
const STOP_DEADLINE_MS = 90_000;

const COMMANDS = ['up', 'down', 'status', 'reset', 'serve', 'wait-ready'] as const;
type Command = (typeof COMMANDS)[number];

interface CommandLineOptions extends InfrastructureOptions {
  /** wait-ready: how long to wait. */
  timeoutMs?: number;
}

function isCommand(value: string | undefined): value is Command {
  return COMMANDS.some((command) => command === value);
}

function parseArguments(args: readonly string[]): { command: Command; options: CommandLineOptions } {
  const [command, ...rest] = args;
  if (!isCommand(command)) throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
  const options: CommandLineOptions = { log: (message) => console.log(`[infra] ${message}`) };
  for (let index = 0; index < rest.length; index += 2) {
    const [flag, text] = [rest[index], rest[index + 1]];
    if (flag !== '--postgres-replicas' && flag !== '--timeout-seconds') throw new UsageError(`unknown option "${flag}"`);
    const value = Number(text);
    if (text === undefined || !Number.isInteger(value) || value < 0) throw new UsageError(`${flag} needs a whole number`);
    if (flag === '--postgres-replicas') options.postgresReplicas = value;
    else options.timeoutMs = value * 1_000;
  }
  return { command, options };
}

class UsageError extends Error {}

async function run(command: Command, options: CommandLineOptions): Promise<number> {
  switch (command) {
    case 'up': {
      const { statuses, started } = await upInfrastructure(options);
      if (started.length === 0) console.log('[infra] everything was already running');
      console.log(formatStatusTable(statuses));
      return 0;
    }
    case 'down':
      console.log(formatStatusTable(await stopInfrastructure(options)));
      return 0;
    case 'status': {
      const statuses = await infrastructureStatus(options);
      console.log(formatStatusTable(statuses));
      return isHealthy(statuses) ? 0 : 1;
    }
    case 'reset':
      await resetInfrastructure(options);
      console.log('[infra] stopped everything and deleted its data (the Kafka jars are kept)');
      return 0;
    case 'serve':
      return serve(options);
    case 'wait-ready':
      console.log(formatStatusTable(await waitForInfrastructure(options)));
      return 0;
  }
}

/**
 * `up`, then stay in the foreground until SIGINT/SIGTERM, and stop only what this invocation
 * started: a developer who already had the infrastructure up keeps it.
 */
async function serve(options: InfrastructureOptions): Promise<number> {
  const { statuses, started } = await upInfrastructure(options);
  console.log(formatStatusTable(statuses));
  console.log(
    started.length === 0
      ? '[infra] everything was already running; it will be left running on exit'
      : `[infra] serving; Ctrl-C stops what this command started: ${started.join(', ')}`,
  );
  const watch = setInterval(() => void reportStoppedComponents(started, options), WATCH_INTERVAL_MS);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of STOP_SIGNALS) process.once(name, resolve);
  });
  clearInterval(watch);
  // Ctrl-C under Nx often arrives twice (from the terminal and forwarded by Nx): ignore repeats
  // instead of dying half-way, and give up only if stopping takes unreasonably long.
  for (const name of STOP_SIGNALS) process.on(name, () => console.log(`[infra] ${name}: still stopping, please wait`));
  setTimeout(() => {
    console.error('[infra] stopping took too long; leaving the rest running (`down` stops it)');
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  console.log(`[infra] ${signal}: stopping ${started.length === 0 ? 'nothing' : started.join(', ')}`);
  // Reverse start order: replicas before their primary.
  for (const name of [...started].reverse()) await stopComponent(name, options);
  return 0;
}

async function reportStoppedComponents(started: readonly ComponentName[], options: InfrastructureOptions): Promise<void> {
  const statuses = await infrastructureStatus(options).catch(() => []);
  for (const status of statuses) {
    if (started.includes(status.name) && status.state !== 'running') console.log(`[infra] warning: ${status.name} is ${status.state}`);
  }
}

async function main(): Promise<void> {
  let exitCode: number;
  try {
    const { command, options } = parseArguments(process.argv.slice(2));
    exitCode = await run(command, options);
  } catch (error) {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : String(error));
    exitCode = error instanceof UsageError ? 2 : 1;
  }
  // Explicit: client libraries may keep sockets and timers alive for a while after their work.
  process.exit(exitCode);
}

void main();
