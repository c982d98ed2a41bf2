/** The line rules of ldirectord.cf (reference §1.1), and the two we relax (CRLF, trailing blanks). */
import { describe, expect, it } from 'vitest';
import { scanConfig } from '../../src/config/lexer.js';
import { ok, problems, section, virtualOf, warnings, withReal } from './helpers.js';

describe('scanConfig', () => {
  it('classifies globals, headers, members and section ends', () => {
    const text = 'checkinterval=5\nvirtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate\n# comment\n\nfork=no\n';
    expect([...scanConfig(text)]).toEqual([
      { kind: 'global', line: 1, text: 'checkinterval=5' },
      { kind: 'virtual', line: 2, family: 4, value: '192.0.2.1:80' },
      { kind: 'member', line: 3, text: 'real=198.51.100.1:80 gate', raw: '\treal=198.51.100.1:80 gate' },
      { kind: 'end', line: 5 },
      { kind: 'global', line: 6, text: 'fork=no' },
    ]);
  });

  it('ends an open section at the end of the file', () => {
    expect([...scanConfig('virtual6=[::1]:80\n    real6=[::1]:80 gate')].map((l) => l.kind)).toEqual(['virtual', 'member', 'end']);
  });
});

describe('global lines', () => {
  it('must start in column 0', async () => {
    expect(await problems('  checktimeout=3\n')).toEqual([
      '1: Unknown command   checktimeout=3 (global directives must start in column 0)',
    ]);
  });

  it('skip blank lines and full-line comments, indented or not', async () => {
    const c = await ok('\n# one\n   # two\n\t#three\ncheckinterval=4\n');
    expect(c.globals.checkIntervalSec).toBe(4);
  });

  it('allow blanks around "="', async () => {
    const c = await ok('checkinterval \t=  4\nquiescent = yes\n');
    expect(c.globals.checkIntervalSec).toBe(4);
    expect(c.globals.quiescent).toBe(true);
  });

  it('are case-sensitive', async () => {
    expect(await problems('Quiescent=yes\n')).toEqual(['1: Unknown command Quiescent=yes (directive names are lower-case: quiescent)']);
  });

  it('do not strip an inline "#": a yes/no directive fails, with a hint', async () => {
    expect(await problems('quiescent=yes # drain\n')).toEqual([
      `1: quiescent must be 'yes' or 'no' (got "yes # drain"); a "#" starts a comment only at the start of a line outside virtual sections`,
    ]);
  });

  it('do not strip an inline "#": a number keeps its first digits, with a warning', async () => {
    const text = 'checkinterval=5 # seconds\n';
    expect((await ok(text)).globals.checkIntervalSec).toBe(5);
    expect(await warnings(text)).toEqual([
      '1: checkinterval "5 # seconds" is read as 5 (ldirectord takes the first run of digits)',
    ]);
  });

  it('keep an inline "#" in raw values, with a warning', async () => {
    const text = 'fallbackcommand=/sbin/sorry # run me\n';
    expect((await ok(text)).globals.fallbackcommand).toBe('/sbin/sorry # run me');
    expect(await warnings(text)).toEqual([
      '1: the value includes "# run me": "#" does not start a comment on a global line, as in ldirectord',
    ]);
  });

  it('only open a section with virtual= in column 0', async () => {
    expect(await problems(' virtual=192.0.2.1:80\n')).toEqual(['1: Unknown command  virtual=192.0.2.1:80 (global directives must start in column 0)']);
  });
});

describe('section lines', () => {
  it('are indented by a TAB or at least 4 spaces', async () => {
    const v = await virtualOf('virtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate\n    real=198.51.100.2:80 gate\n        real=198.51.100.3:80 gate\n');
    expect(v.reals.map((r) => r.address)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('end at a line indented by less (which is then read as a global line)', async () => {
    expect(await problems('virtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate\n   service=http\n')).toEqual([
      '3: Unknown command    service=http (global directives must start in column 0)',
    ]);
  });

  it('end at a blank line; indented lines after it are errors that say why', async () => {
    expect(await problems('virtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate\n\n\tservice=http\n\tscheduler=rr\n')).toEqual([
      '4: Unknown command \\tservice=http (the blank line 3 ended the virtual section of line 1; a section cannot contain blank lines)',
      '5: Unknown command \\tscheduler=rr (the blank line 3 ended the virtual section of line 1; a section cannot contain blank lines)',
    ]);
  });

  it('are not ended by a comment, even in column 0', async () => {
    const v = await virtualOf('virtual=192.0.2.1:80\n# note\n\treal=198.51.100.1:80 gate\n  # another\n\tscheduler=rr\n');
    expect(v.scheduler).toBe('rr');
  });

  it('lose everything from "#" on, so a quoted "#" truncates the value', async () => {
    expect((await virtualOf(withReal(['scheduler=rr # round robin']))).scheduler).toBe('rr');
    expect(await problems(withReal(['receive="a#b"']))).toEqual([
      '3: Unknown command "\\treceive="a#b"" (everything after "#" is a comment inside a virtual section; the closing quote is missing)',
    ]);
  });

  it('accept yes/no with an inline comment (ldirectord keeps the blank before "#" and fails)', async () => {
    expect((await virtualOf(withReal(['quiescent=yes # drain']))).quiescent).toBe(true);
  });

  it('turn a TAB inside a value into four spaces, as ldirectord does', async () => {
    expect((await virtualOf(withReal(['servicename=a\tb']))).servicename).toBe('a    b');
  });

  it('report an unknown directive with the line as written', async () => {
    expect(await problems(withReal(['bogus=1']))).toEqual(['3: Unknown command "\\tbogus=1"']);
  });

  it('say when a global directive is used inside a section', async () => {
    expect(await problems(withReal(['autoreload=yes']))).toEqual([
      '3: Unknown command "\\tautoreload=yes" (autoreload is a global directive; it must start in column 0, outside virtual sections)',
    ]);
  });

  it('say when a section directive is used as a global', async () => {
    expect(await problems('scheduler=rr\n')).toEqual([
      '1: Unknown command scheduler=rr (scheduler is only valid inside a virtual section, indented by at least 4 spaces or a TAB)',
    ]);
  });
});

describe('relaxed: CRLF, trailing blanks, byte-order mark', () => {
  it('accepts CRLF line ends', async () => {
    const c = await ok('quiescent=yes\r\nvirtual=192.0.2.1:80\r\n\treal=198.51.100.1:80 gate\r\n\tcleanstop=no\r\n');
    expect(c.globals.quiescent).toBe(true);
    expect(c.virtuals[0]?.cleanstop).toBe(false);
  });

  it('accepts trailing spaces and TABs', async () => {
    const c = await ok('autoreload=yes  \t\nvirtual=192.0.2.1:80 \n\treal=198.51.100.1:80 gate\t\n\tops=no   \n');
    expect(c.globals.autoreload).toBe(true);
    expect(c.virtuals[0]?.reals).toHaveLength(1);
  });

  it('treats a line of blanks inside a section as a blank line', async () => {
    const c = await ok('virtual=192.0.2.1:80\n\treal=198.51.100.1:80 gate\n        \nfork=no\n');
    expect(c.virtuals).toHaveLength(1);
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    expect((await ok('\ufeffcheckinterval=3\n')).globals.checkIntervalSec).toBe(3);
    expect((await ok(Buffer.from('\ufeffcheckinterval=3\n', 'utf8').toString())).globals.checkIntervalSec).toBe(3);
  });
});

describe('quoting', () => {
  it('runs a quoted value to the last quote on the line', async () => {
    expect((await virtualOf(withReal(['request="say "hi" now"']))).request).toBe('/say "hi" now');
  });

  it('warns about text after the closing quote (ldirectord ignores it)', async () => {
    expect(await warnings(withReal(['login="mon" trailing']))).toEqual(['3: text after the closing quote is ignored: "trailing"']);
  });

  it('requires quotes where ldirectord does', async () => {
    for (const d of ['request', 'receive', 'login', 'passwd', 'database', 'secret']) {
      expect(await problems(withReal([`${d}=x`]))).toEqual([
        `3: Unknown command "\\t${d}=x" (the value of ${d} must be in double quotes: ${d}="...")`,
      ]);
    }
    expect(await problems('callback=/x\nlogfile=local0\n')).toEqual([
      '1: Unknown command callback=/x (the value of callback must be in double quotes: callback="...")',
      '2: Unknown command logfile=local0 (the value of logfile must be in double quotes: logfile="...")',
    ]);
  });

  it('accepts quoted or bare values where ldirectord does', async () => {
    const a = await virtualOf(withReal(['checkcommand="/bin/a"', 'fallbackcommand=/bin/b', 'virtualhost="www.example.com"']));
    expect([a.checkcommand, a.fallbackcommand, a.virtualhost]).toEqual(['/bin/a', '/bin/b', 'www.example.com']);
  });

  it('reports an unbalanced quote as a missing closing quote', async () => {
    expect(await problems(withReal(['request="index.html']))).toEqual([
      '3: Unknown command "\\trequest="index.html" (the closing quote is missing)',
    ]);
  });

  it('reads an empty section header value as an invalid virtual', async () => {
    expect(await problems(section([], [], 'virtual='))).toEqual(['1: invalid address for virtual server (no value given)']);
  });
});
