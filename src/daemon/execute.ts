/**
 * `execute=` instances: extra configurations one invocation manages alongside its own, each run
 * as `<this program> <name> start|stop|status|reload` (ldirectord's ld_cmd_children).
 */
import { execFile } from 'node:child_process';

export type InstanceCommand = 'start' | 'stop' | 'status' | 'reload';

export type InstanceRunner = (name: string, command: InstanceCommand) => Promise<{ code: number | null; output: string }>;

/**
 * Runs this same program for another configuration. `passThrough` carries the options that apply
 * to every instance (the IPVS backend, the syslog socket), never a pid file.
 */
export function instanceRunner(passThrough: readonly string[]): InstanceRunner {
  return (name, command) =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [...process.execArgv, process.argv[1] as string, ...passThrough, name, command],
        { timeout: 180_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          resolve({ code, output: `${stdout}${stderr}`.trim() });
        },
      );
    });
}

/**
 * What a reload does to the instances (ldirectord's reread_config): the ones no longer named are
 * stopped, the ones still named are reloaded (started if the reload finds them stopped), new ones
 * are started.
 */
export async function reconcileInstances(before: readonly string[], after: readonly string[], run: InstanceRunner): Promise<void> {
  for (const name of before) if (!after.includes(name)) await run(name, 'stop');
  for (const name of after) {
    if (!before.includes(name)) await run(name, 'start');
    else if ((await run(name, 'reload')).code !== 0) await run(name, 'start');
  }
}
