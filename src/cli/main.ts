/**
 * The command line entry: argv → exit status. ldirectord's statuses: 0 ok, 1 init error (config
 * not found, not running for reload), 2 configuration error, 3 stopped (status), 255 usage.
 */
import { UsageError } from '../util/errors.js';
import { LDIRECTORD_VERSION_STR, VERSION } from '../version.js';
import { parseArgv, USAGE } from './argv.js';
import { configtest } from './configtest.js';
import { findConfig } from './find-config.js';
import type { CliIo } from './io.js';
import { processIo, writeLine } from './io.js';

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let invocation;
  try {
    invocation = parseArgv(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    writeLine(io.stderr, e.message);
    io.stderr.write(USAGE);
    return 255;
  }
  switch (invocation.kind) {
    case 'help':
      io.stdout.write(`ldirectord-ng ${VERSION}: a drop-in replacement for ldirectord.\n\n${USAGE}`);
      return 0;
    case 'version':
      writeLine(io.stdout, `ldirectord-ng ${VERSION} (compatible with ldirectord 4.12, ${LDIRECTORD_VERSION_STR})`);
      return 0;
    case 'command': {
      const path = findConfig(invocation.config);
      if (path === undefined) {
        writeLine(io.stderr, `Config file ${invocation.config} not found`);
        return 1;
      }
      if (invocation.command === 'configtest') return configtest(path, invocation.options.dumpConfig, io);
      const { runCommand } = await import('./commands.js');
      return runCommand(invocation, path, io, process.argv[1] ?? 'ldirectord-ng');
    }
  }
}
