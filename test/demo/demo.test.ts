/**
 * The README's main command, `npm run demo`, run for one cycle of its script: the real daemon on
 * etc/demo.cf with real HTTP servers and the memory IPVS backend. One real starts answering 503
 * at 5 s and must be quiesced; every real stops listening at 18 s and the fallback must come in,
 * then leave again when they return at 24 s; the stop purges the virtual.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

function runDemo(seconds: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DEMO, '--for', String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`demo did not stop:\n${out}`)); }, (seconds + 30) * 1000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

describe('npm run demo', () => {
  it('quiesces the failing real, brings the fallback in when all are down and out again, and stops cleanly', async () => {
    const { code, out } = await runDemo(27);
    const lines = out.split('\n').map((l) => l.replace(/^\[[^\]]+\] /, ''));
    expect(code, out).toBe(0);
    // Each line must come after the previous one (the start-up lines come first).
    let from = 0;
    const next = (text: string): number => {
      const i = lines.indexOf(text, from);
      expect(i, `"${text}" after line ${from} of:\n${out}`).toBeGreaterThanOrEqual(0);
      from = i + 1;
      return i;
    };
    next('Restored real server: 127.0.0.3:18080 (127.0.0.100:80) (Weight set to 2)');
    next('Quiescent real server: 127.0.0.3:18080 (127.0.0.100:80) (Weight set to 0)');
    next('Restored real server: 127.0.0.3:18080 (127.0.0.100:80) (Weight set to 2)');
    next('Added fallback server: 127.0.0.1:18089 (127.0.0.100:80) (Weight set to 1)');
    next('Deleted fallback server: 127.0.0.1:18089 (127.0.0.100:80)');
    next('Purged virtual server (stop): 127.0.0.100:80');
    // The table printed while the fallback was in has it at weight 1 beside the quiesced reals.
    expect(out).toMatch(/-> 127\.0\.0\.1:18089 +Masq +1 /);
  }, 90_000);
});
