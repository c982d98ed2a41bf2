import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/observe/log.js';
import { MonitorFile, escapeMonitorMessage, formatMonitorLine } from '../../src/observe/monitorfile.js';

describe('escapeMonitorMessage', () => {
  it.each([
    ['200 OK', '200 OK'],
    ['Hello|world\n', 'Hello%7cworld%0a'],
    ['100%', '100%25'],
    ['a\r\nb', 'a%0d%0ab'],
    ['%7c', '%257c'],
    ['tab\tstays', 'tab\tstays'],
    ["500 Can't connect to 127.0.0.1:18082 (Connection refused)", "500 Can't connect to 127.0.0.1:18082 (Connection refused)"],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(escapeMonitorMessage(input)).toBe(expected);
  });

  it("agrees with ldirectord's own Perl substitution", () => {
    const inputs = ['a|b|c', '%%|%', 'x\r\ny\rz\n', 'plain', '|\n%\r', '50%|ok\n\n'];
    const script = 'for (@ARGV) { my $m = $_; $m =~ s/([%|\\r\\n])/sprintf("%%%.2x", ord($1))/eg; print "$m\\0" }';
    const perl = execFileSync('perl', ['-e', script, ...inputs], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(inputs.map(escapeMonitorMessage)).toEqual(perl);
  });
});

describe('formatMonitorLine', () => {
  const time = new Date(2026, 10, 21, 4, 16, 9);

  it('reproduces the verified ldirectord lines', () => {
    const realId = 'negotiate:http:tcp:127.0.0.1:18081:1:masq:/index.html:Test Page';
    expect(formatMonitorLine({ time, pid: 11590, realId, state: 'up', message: '200 OK' })).toBe(
      '[Sat Nov 21 04:16:09 2026] [11590] negotiate http tcp 127.0.0.1 18081 1 masq /index.html Test Page [up] 200 OK',
    );
    expect(formatMonitorLine({ time, pid: 11590, realId, state: 'down', message: 'Hello|world\n' })).toBe(
      '[Sat Nov 21 04:16:09 2026] [11590] negotiate http tcp 127.0.0.1 18081 1 masq /index.html Test Page [down] Hello%7cworld%0a',
    );
  });

  it('writes - when the check gave no message', () => {
    expect(formatMonitorLine({ time, pid: 7, realId: 'connect:tcp:10.0.0.3:80', state: 'down' })).toBe(
      '[Sat Nov 21 04:16:09 2026] [7] connect tcp 10.0.0.3 80 [down] -',
    );
  });

  it('squeezes runs of colons to one space and drops backslashes, as tr/:/ /s and s/\\\\//g do', () => {
    const realId = 'negotiate:http:tcp:[2001:db8::5]:80::1:gate:/\\:x: y';
    const perl = execFileSync('perl', ['-e', '$_ = $ARGV[0]; tr/:/ /s; s/\\\\//g; print', realId], { encoding: 'utf8' });
    const line = formatMonitorLine({ time, pid: 1, realId, state: 'up', message: 'ok' });
    expect(line).toBe(`[Sat Nov 21 04:16:09 2026] [1] ${perl} [up] ok`);
    expect(perl).toBe('negotiate http tcp [2001 db8 5] 80 1 gate / x  y');
  });
});

describe('MonitorFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ldng-monitor-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (message: string) => ({
    time: new Date(2026, 10, 21, 4, 16, 9),
    pid: 42,
    realId: 'connect:tcp:127.0.0.1:8080',
    state: 'up' as const,
    message,
  });

  it('appends one line per check', () => {
    const path = join(dir, 'monitor.log');
    const mf = new MonitorFile(path, new MemoryLog());
    expect(mf.append(entry('first'))).toBe(true);
    expect(mf.append(entry('second'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(
      '[Sat Nov 21 04:16:09 2026] [42] connect tcp 127.0.0.1 8080 [up] first\n' +
        '[Sat Nov 21 04:16:09 2026] [42] connect tcp 127.0.0.1 8080 [up] second\n',
    );
  });

  it('survives an unwritable file: logs once per outage, never throws, resumes', () => {
    const path = join(dir, 'gone', 'monitor.log');
    const log = new MemoryLog();
    const mf = new MonitorFile(path, log);
    expect(mf.append(entry('lost 1'))).toBe(false);
    expect(mf.append(entry('lost 2'))).toBe(false);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.level).toBe('error');
    expect(log.lines[0]!.message).toMatch(/^Error writing to monitorfile '.*\/gone\/monitor\.log': ENOENT/);

    mkdirSync(join(dir, 'gone'));
    expect(mf.append(entry('back'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('[Sat Nov 21 04:16:09 2026] [42] connect tcp 127.0.0.1 8080 [up] back\n');
    expect(log.messages()[1]).toBe(`Writing to monitorfile '${path}' works again`);
  });
});
