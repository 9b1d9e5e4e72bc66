/**
 * pushctl — Pushwire from the command line: mint dev tokens, listen as a device, push to devices
 * directly or through the queue, follow outcomes, list an account's devices, send device to device,
 * list and replay dead letters, publish to a topic, broadcast, trace a message's life by id.
 * Exit codes: 0 ok · 1 error (unreachable, refused) · 2 push or d2d message not delivered (status
 * printed; `stored` counts as done with --store-if-offline) · 3 replaced by another connection · 64 usage.
 */
import { d2dCommand } from './d2d-command';
import { devicesCommand } from './devices-command';
import { listenCommand } from './listen-command';
import { sendCommand } from './send-command';
import { enqueueCommand } from './enqueue-command';
import { outcomesCommand } from './outcomes-command';
import { tokenCommand } from './token-command';
import { dlqCommand } from './dlq-command';
import { publishCommand } from './publish-command';
import { broadcastCommand } from './broadcast-command';
import { traceCommand } from './trace-command';
import { parseCommand, UsageError, type Command } from './cli';
import { ENV_HELP, startRun } from './endpoints';

const commands: Command[] = [
  tokenCommand,
  listenCommand,
  sendCommand,
  enqueueCommand,
  outcomesCommand,
  devicesCommand,
  d2dCommand,
  dlqCommand,
  publishCommand,
  broadcastCommand,
  traceCommand,
];

function help(): string {
  return [
    'pushctl — Pushwire command-line tool',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`),
    '',
    'Run `pushctl <command> --help` for its flags.',
    '',
    ENV_HELP,
  ].join('\n');
}

/** Runs one pushctl command line; resolves with the exit code (output goes to stdout / stderr). */
export async function runPushctl(argv: string[]): Promise<number> {
  startRun();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 64;
  }
  let cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`pushctl: unknown command "${name}"\n\n${help()}\n`);
    return 64;
  }
  let args = rest;
  if (cmd.subcommands) {
    const [subName, ...subArgs] = rest;
    const sub = cmd.subcommands.find((c) => c.name === subName);
    if (!sub) {
      const askedForHelp = subName === '--help' || subName === '-h';
      if (subName && !askedForHelp) process.stderr.write(`pushctl ${cmd.name}: unknown subcommand "${subName}"\n`);
      (askedForHelp ? process.stdout : process.stderr).write(`${cmd.summary}\n\nUsage:\n${cmd.usage}\n`);
      return askedForHelp ? 0 : 64;
    }
    cmd = { ...sub, name: `${cmd.name} ${sub.name}` };
    args = subArgs;
  }
  try {
    const values = parseCommand(cmd, args);
    if (values.help) {
      process.stdout.write(`${cmd.summary}\n\nUsage: ${cmd.usage}\n\n${ENV_HELP}\n`);
      return 0;
    }
    return await cmd.run(values);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`pushctl ${cmd.name}: ${e.message}\nUsage: ${cmd.usage}\n`);
      return 64;
    }
    process.stderr.write(`pushctl ${cmd.name}: ${(e as Error).message}\n`);
    return 1;
  }
}
