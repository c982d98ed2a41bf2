import { spawn } from 'node:child_process';
import type { ShellRunner } from './fallback-command.js';

/**
 * Runs a command line through `/bin/sh -c`, as ldirectord's `system()` does for fallbackcommand
 * and callback (the config file is root's, and operators write shell in it). Output is discarded;
 * a command still running after `timeoutMs` is killed with its process group.
 */
export function shellRunner(timeoutMs = 60_000): ShellRunner {
  return (commandLine) =>
    new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', commandLine], { stdio: 'ignore', detached: true });
      const timer = setTimeout(() => {
        try { process.kill(-(child.pid as number), 'SIGKILL'); } catch { /* already gone */ }
      }, timeoutMs);
      timer.unref();
      child.once('error', (e) => { clearTimeout(timer); resolve({ code: null, error: e.message }); });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(signal ? { code: null, error: `killed by ${signal}` } : { code });
      });
    });
}
