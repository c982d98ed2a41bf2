/** Problem and warning text, the config dump, and checkPort. */
import { describe, expect, it } from 'vitest';
import { checkPort } from '../../src/config/check-port.js';
import { dumpConfig } from '../../src/config/dump.js';
import { formatProblem, formatProblemLdirectord, formatWarning, formatWarningLdirectord } from '../../src/config/format.js';
import type { ServiceName } from '../../src/config/model.js';
import { ok, withReal } from './helpers.js';

describe('formatProblem', () => {
  it('is file:line: directive: message', () => {
    expect(formatProblem({ file: '/etc/ha.d/ldirectord.cf', line: 7, directive: 'real', message: 'forward method must be gate, masq or ipip' }))
      .toBe('/etc/ha.d/ldirectord.cf:7: real: forward method must be gate, masq or ipip');
  });

  it('leaves out line 0 and an empty directive', () => {
    expect(formatProblem({ file: 'a.cf', line: 0, directive: '', message: 'can not open file a.cf: No such file or directory' })).toBe('a.cf: can not open file a.cf: No such file or directory');
    expect(formatProblem({ file: 'a.cf', line: 3, directive: '', message: 'x' })).toBe('a.cf:3: x');
  });
});

describe('formatProblemLdirectord', () => {
  it('is ldirectord\'s line', () => {
    expect(formatProblemLdirectord({ file: '/etc/ha.d/err.cf', line: 2, directive: 'real', message: 'forward method must be gate, masq or ipip' }, 18233))
      .toBe('Error [18233] reading file /etc/ha.d/err.cf at line 2: forward method must be gate, masq or ipip');
  });

  it('has no file and line for line 0, as ldirectord prints it', () => {
    expect(formatProblemLdirectord({ file: 'a.cf', line: 0, directive: '', message: 'can not open file a.cf' }, 5)).toBe('Error [5]: can not open file a.cf');
  });
});

describe('formatWarning', () => {
  it('marks warnings and places them', () => {
    expect(formatWarning({ line: 3, directive: 'checkcount', message: 'deprecated' }, 'a.cf')).toBe('a.cf:3: checkcount: warning: deprecated');
    expect(formatWarning({ message: 'checkinterval in virtual service fwm:5 ignored when fork=no' }, 'a.cf'))
      .toBe('a.cf: warning: checkinterval in virtual service fwm:5 ignored when fork=no');
  });

  it('has ldirectord\'s form too', () => {
    expect(formatWarningLdirectord({ line: 2, message: 'please update your config not to use a bare supervised directive' }, '/t.cf', 9))
      .toBe('Warning [9] reading file /t.cf at line 2: please update your config not to use a bare supervised directive');
    expect(formatWarningLdirectord({ message: 'checkinterval in virtual service tcp:127.0.0.100:80 ignored when fork=no' }, '/t.cf', 18274))
      .toBe('Warning [18274]: checkinterval in virtual service tcp:127.0.0.100:80 ignored when fork=no');
  });
});

describe('dumpConfig', () => {
  it('masks passwords and secrets, but not empty ones', async () => {
    const c = await ok(withReal(['login="mon"', 'passwd="hunter2"', 'secret="radius"']));
    const dump = JSON.parse(dumpConfig(c)) as { virtuals: { login: string; passwd: string; secret: string; database: string }[] };
    expect(dump.virtuals[0]).toMatchObject({ login: 'mon', passwd: '********', secret: '********', database: '' });
    expect(dumpConfig(c)).not.toContain('hunter2');
  });

  it('shows them when asked (for reviewed fixtures)', async () => {
    const c = await ok(withReal(['passwd="hunter2"']));
    expect(dumpConfig(c, { showSecrets: true })).toContain('"passwd": "hunter2"');
  });

  it('is pretty JSON of the whole config', async () => {
    const c = await ok(withReal([]));
    expect(JSON.parse(dumpConfig(c))).toEqual(JSON.parse(JSON.stringify(c)));
    expect(dumpConfig(c)).toMatch(/^\{\n {2}"file": "t\.cf",\n {2}"hash": "[0-9a-f]{64}",\n {2}"globals": \{/);
  });
});

describe('checkPort', () => {
  const v = (service: ServiceName, checkport?: number) => ({ service, checkport });
  it.each([
    [v('http', 8080), 80, 8080],
    [v('http'), 81, 81],
    [v('http'), 0, 80],
    [v('mysql'), 0, 3306],
    [v('none'), 0, 0],
    [v('simpletcp'), 0, 0],
  ])('%j with real port %i → %i', (virtual, port, expected) => {
    expect(checkPort(virtual, { port })).toBe(expected);
  });
});
