import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';
import { Capture } from './capture.js';

const clock = () => new Date(2026, 10, 1, 4, 16, 4);

function streamLogger(o: { debug: boolean; supervised: boolean; level?: 'debug' | 'warning'; stdout?: Writable }) {
  const stdout = new Capture();
  const stderr = new Capture();
  const log = createLogger({ logfile: 'local0', configName: 'ldirectord', pid: 99, clock, stdout, stderr, ...o });
  return { log, stdout, stderr };
}

describe('debug destination (-d)', () => {
  it('writes every line once on stdout, debug lines as DEBUG: <message>', async () => {
    const { log, stdout, stderr } = streamLogger({ debug: true, supervised: true });
    expect(log.destination).toEqual({ kind: 'debug' });
    log.info('Starting Linux Director v1.186-ha with pid: 99');
    log.debug('Checking negotiate: real server=10.0.0.3:80 (virtual=tcp:192.168.1.10:80)');
    log.warning('Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)');
    log.error('IPVS: NEW_DEST failed: EEXIST');
    await log.close();
    expect(stdout.lines()).toEqual([
      'Starting Linux Director v1.186-ha with pid: 99',
      'DEBUG: Checking negotiate: real server=10.0.0.3:80 (virtual=tcp:192.168.1.10:80)',
      'Quiescent real server: 10.0.0.3:80 (192.168.1.10:80) (Weight set to 0)',
      'IPVS: NEW_DEST failed: EEXIST',
    ]);
    expect(stderr.text).toBe('');
  });

  it('chomps one trailing newline, as ldirectord does, and keeps embedded ones', () => {
    const { log, stdout } = streamLogger({ debug: true, supervised: false });
    log.info('Unknown command foo=bar\n \n');
    expect(stdout.text).toBe('Unknown command foo=bar\n \n');
  });
});

describe('supervised destination', () => {
  it('writes [ctime] message on stdout and drops debug lines', () => {
    const { log, stdout } = streamLogger({ debug: false, supervised: true });
    expect(log.destination).toEqual({ kind: 'supervised' });
    log.info('Added virtual server: 192.168.1.10:80');
    log.debug('Checking connect: real server=10.0.0.3:80');
    log.info('Soft failure real server: 10.0.0.3:80 (tcp:192.168.1.10:80) failure 1/3');
    expect(stdout.lines()).toEqual([
      '[Sun Nov  1 04:16:04 2026] Added virtual server: 192.168.1.10:80',
      '[Sun Nov  1 04:16:04 2026] Soft failure real server: 10.0.0.3:80 (tcp:192.168.1.10:80) failure 1/3',
    ]);
  });

  it('honours a higher minimum level', () => {
    const { log, stdout } = streamLogger({ debug: false, supervised: true, level: 'warning' });
    log.info('dropped');
    log.warning('kept');
    log.error('kept too');
    expect(stdout.lines()).toEqual(['[Sun Nov  1 04:16:04 2026] kept', '[Sun Nov  1 04:16:04 2026] kept too']);
  });

  it('survives a stdout whose reader has gone (EPIPE) without crashing', async () => {
    let writes = 0;
    const broken = new Writable({
      write(_chunk, _enc, done) {
        writes++;
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const { log } = streamLogger({ debug: false, supervised: true, stdout: broken });
    log.info('first');
    // The stream reports the failure asynchronously; let it.
    await new Promise((r) => setImmediate(r));
    expect(() => log.info('second')).not.toThrow();
    await log.close();
    expect(writes).toBe(1);
  });
});
