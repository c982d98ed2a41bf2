import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';
import { Capture } from './capture.js';

/** A real AF_UNIX datagram receiver, bound with the same addon the transport sends with. */
interface Receiver {
  bind(path: string): void;
  on(event: 'message', fn: (buf: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

let dir: string;
let receiver: Receiver | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldng-retry-'));
});
afterEach(() => {
  vi.useRealTimers();
  receiver?.close();
  receiver = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('syslog retry schedule (fake timers, real unix socket)', () => {
  it('re-sends held lines when the retry interval has passed, not before', async () => {
    vi.useFakeTimers();
    const path = join(dir, 'log.sock');
    const log = createLogger({
      logfile: 'local0',
      configName: 'ldirectord',
      pid: 77,
      supervised: false,
      debug: false,
      syslogSocket: path,
      syslogRetryMs: 1_000,
      stderr: new Capture(),
      stdout: new Capture(),
      clock: () => new Date(2026, 10, 1, 4, 16, 4),
    });
    log.info('Deleted real server: 10.0.0.3:80 (192.168.1.10:80)');
    log.info('Added fallback server: 127.0.0.1:80 (192.168.1.10:80) (Weight set to 1)');
    expect(log.pending()).toBe(2);

    const received: string[] = [];
    receiver = unixDgram.createSocket('unix_dgram');
    receiver.on('message', (buf) => received.push(buf.toString()));
    receiver.on('error', () => {});
    receiver.bind(path);

    await vi.advanceTimersByTimeAsync(999);
    expect(log.pending()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.pending()).toBe(0);

    vi.useRealTimers();
    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(received).toEqual([
      '<134>Nov  1 04:16:04 ldirectord[77]: Deleted real server: 10.0.0.3:80 (192.168.1.10:80)',
      '<134>Nov  1 04:16:04 ldirectord[77]: Added fallback server: 127.0.0.1:80 (192.168.1.10:80) (Weight set to 1)',
    ]);
    await log.close();
  });

  it('keeps retrying at the interval while syslog stays away, and stops once closed', async () => {
    vi.useFakeTimers();
    const stderr = new Capture();
    const log = createLogger({
      logfile: 'daemon',
      configName: 'ldirectord',
      pid: 78,
      supervised: false,
      debug: false,
      syslogSocket: join(dir, 'absent.sock'),
      syslogRetryMs: 500,
      stderr,
      stdout: new Capture(),
    });
    log.warning('held');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(1);
    expect(log.pending()).toBe(1);
    await log.close();
    expect(vi.getTimerCount()).toBe(0);
    // One notice for the outage, one for the loss at close; not one per retry.
    expect(stderr.lines()).toHaveLength(2);
  });
});
