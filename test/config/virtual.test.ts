/** virtual=/virtual6= headers and the directives of a section. */
import { describe, expect, it } from 'vitest';
import { ok, problems, section, virtualOf, warnings, withReal } from './helpers.js';

describe('virtual= header', () => {
  it.each([
    ['virtual=192.0.2.1:80', 'tcp:192.0.2.1:80', '192.0.2.1:80'],
    ['virtual=192.0.2.1:https', 'tcp:192.0.2.1:443', '192.0.2.1:443'],
    ['virtual=localhost:80', 'tcp:127.0.0.1:80', '127.0.0.1:80'],
    ['virtual=192.0.2.1:53', 'udp:192.0.2.1:53', '192.0.2.1:53'],
    ['virtual=42', 'fwm:42', '42'],
    ['virtual6=[2001:DB8::0:1]:80', 'tcp:[2001:db8::1]:80', '[2001:db8::1]:80'],
    ['virtual6=42', 'fwm6:42', '42'],
  ])('%s', async (header, key, label) => {
    const real = header.startsWith('virtual6') ? 'real6=[2001:db8::2]:80 gate' : 'real=198.51.100.1:80 gate';
    const v = await virtualOf(section([real], [], header));
    expect([v.key, v.label]).toEqual([key, label]);
  });

  it('reads virtual=A.B.C.D without a port as firewall mark A, loudly', async () => {
    const text = section(['real=198.51.100.1 gate', 'checktype=on'], [], 'virtual=10.0.0.1');
    expect((await virtualOf(text)).endpoint).toEqual({ kind: 'fwmark', mark: 10 });
    expect(await warnings(text)).toEqual([
      '1: virtual=10.0.0.1 has no port, so it is read as firewall mark 10, as ldirectord does; write virtual=10.0.0.1:<port> for an address',
    ]);
  });

  it('ignores text after the address, as ldirectord does, with a warning', async () => {
    const text = section(['real=198.51.100.1:80 gate'], [], 'virtual=192.0.2.1:80 web');
    expect((await virtualOf(text)).key).toBe('tcp:192.0.2.1:80');
    expect(await warnings(text)).toEqual(['1: text after the virtual service is ignored, as ldirectord does: " web"']);
  });

  it.each([
    ['virtual=[2001:db8::1]:80', 'cannot specify an IPv6 address here. please use "virtual6" instead.'],
    ['virtual6=[2001:db8::1::2]:80', 'invalid ipv6 address for virtual server (got "2001:db8::1::2")'],
    ['virtual=@web:80', 'invalid address for virtual server (got "@web:80")'],
    ['virtual=192.0.2.1:99999', 'invalid address for virtual service ("99999" is not a port or a known tcp service)'],
    ['virtual=192.0.2.1:gopher', 'invalid address for virtual service ("gopher" is not a port or a known tcp service)'],
    ['virtual=nowhere.example:80', 'invalid address for virtual service (could not resolve "nowhere.example" to an IPv4 address)'],
    ['virtual6=192.0.2.1:80', 'invalid address for virtual service (could not resolve "192.0.2.1" to an IPv6 address; use virtual= for IPv4)'],
    ['virtual=99999999999', 'invalid firewall mark 99999999999 (at most 4294967295)'],
  ])('%s is an error', async (header, message) => {
    expect(await problems(section([], [], header))).toEqual([`1: ${message}`]);
  });

  it('resolves a port name for the final protocol of the section', async () => {
    // domain is 53/tcp and 53/udp; http is tcp only, so it fails once the protocol is udp.
    expect((await virtualOf(section(['real=198.51.100.1:53 gate', 'protocol=tcp'], [], 'virtual=192.0.2.1:domain'))).key).toBe('tcp:192.0.2.1:53');
    expect(await problems(section(['protocol=udp'], [], 'virtual=192.0.2.1:http'))).toEqual([
      '1: invalid address for virtual service ("http" is not a port or a known udp service)',
    ]);
  });

  it('rejects a duplicate virtual, naming both lines', async () => {
    const text = `${section(['real=198.51.100.1:80 gate'])}\n${section(['real=198.51.100.2:80 gate'], [], 'virtual=192.0.2.10:http')}`;
    expect(await problems(text)).toEqual(['4: duplicate virtual server tcp:192.0.2.10:80 (first at line 1)']);
  });

  it('keeps tcp and udp services on the same address and port apart', async () => {
    const text = `${section(['real=198.51.100.1:53 gate'], [], 'virtual=192.0.2.1:53')}\n${section(['real=198.51.100.1:53 gate', 'protocol=tcp'], [], 'virtual=192.0.2.1:53')}`;
    expect((await ok(text)).virtuals.map((v) => v.key)).toEqual(['udp:192.0.2.1:53', 'tcp:192.0.2.1:53']);
  });

  it('gives service none to a port written with leading zeros, as ldirectord compares text', async () => {
    expect((await virtualOf(section(['real=198.51.100.1:80 gate', 'checktype=on'], [], 'virtual=192.0.2.1:080'))).service).toBe('none');
  });

  it('warns that an unknown port with the default check checks nothing', async () => {
    expect(await warnings(section(['real=198.51.100.1:8080 gate'], [], 'virtual=192.0.2.1:8080'))).toEqual([
      '1: no service is known for port 8080, so the negotiate check always succeeds and the reals are never checked (as in ldirectord); set service= or checktype=',
    ]);
  });
});

describe('check directives', () => {
  it.each([
    ['connect', { kind: 'connect' }], ['negotiate', { kind: 'negotiate' }], ['ping', { kind: 'ping' }],
    ['off', { kind: 'off' }], ['on', { kind: 'on' }], ['external', { kind: 'external' }],
    ['external-perl', { kind: 'external-perl' }], ['5', { kind: 'combined', negotiateEvery: 5 }],
  ])('checktype=%s', async (value, expected) => {
    expect((await virtualOf(withReal([`checktype=${value}`]))).checktype).toEqual(expected);
  });

  it('reads any value with digits as the combined form, as ldirectord does', async () => {
    const text = withReal(['checktype=checktimeout3']);
    expect((await virtualOf(text)).checktype).toEqual({ kind: 'combined', negotiateEvery: 3 });
    expect(await warnings(text)).toEqual(['3: checktype "checktimeout3" is read as the number 3, as ldirectord does']);
  });

  it('rejects an unknown checktype with ldirectord\'s text', async () => {
    expect(await problems(withReal(['checktype=http']))).toEqual([
      '3: checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number (got "http")',
    ]);
  });

  it('service= sets the service; ftp and sip fill empty logins only when written', async () => {
    const ftp = await virtualOf(withReal(['service=ftp']));
    expect([ftp.service, ftp.login, ftp.passwd]).toEqual(['ftp', 'anonymous', 'ldirectord@director.example']);
    const sip = await virtualOf(withReal(['service=sip']));
    expect([sip.service, sip.login, sip.passwd]).toEqual(['sip', 'ldirectord@director.example', '']);
    const ownLogin = await virtualOf(withReal(['login="mon"', 'service=ftp']));
    expect([ownLogin.login, ownLogin.passwd]).toEqual(['mon', 'ldirectord@director.example']);
    const later = await virtualOf(withReal(['service=ftp', 'passwd="pw"']));
    expect([later.login, later.passwd]).toEqual(['anonymous', 'pw']);
    const derived = await virtualOf(section(['real=198.51.100.1:21 masq'], [], 'virtual=192.0.2.1:21'));
    expect([derived.service, derived.login, derived.passwd]).toEqual(['ftp', '', '']);
  });

  it('uses the injected hostname for those logins', async () => {
    expect((await virtualOf(withReal(['service=sip']), { hostname: 'lb1' })).login).toBe('ldirectord@lb1');
  });

  it('rejects an unknown service with ldirectord\'s list', async () => {
    expect(await problems(withReal(['service=gopher']))).toEqual([
      '3: service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission (got "gopher")',
    ]);
  });

  it('checkport must be 1..65535', async () => {
    expect((await virtualOf(withReal(['checkport=8080']))).checkport).toBe(8080);
    expect(await problems(withReal(['checkport=0']))).toEqual(['3: checkport must be in range 1..65536 (got "0")']);
    expect(await problems(withReal(['checkport=65536']))).toEqual(['3: checkport must be in range 1..65536 (got "65536")']);
    expect(await problems(withReal(['checkport=http']))).toEqual(['3: invalid port (got "http")']);
  });

  it('request gets a leading / and must not be empty', async () => {
    expect((await virtualOf(withReal(['request="index.html"']))).request).toBe('/index.html');
    expect((await virtualOf(withReal(['request="/a/b"']))).request).toBe('/a/b');
    expect(await problems(withReal(['request=""']))).toEqual(['3: no request string specified']);
  });

  it('receive keeps the Perl text and adds the JS pattern', async () => {
    const v = await virtualOf(withReal(['receive="(?i)^ok$"']));
    expect(v.receive).toBe('(?i)^ok$');
    expect(v.receiveRegExp).toEqual({ source: '^ok(?=\\n?(?![\\s\\S]))', flags: 'i' });
  });

  it('receive must not be empty and must compile', async () => {
    expect(await problems(withReal(['receive=""']))).toEqual(['3: invalid receive string (it is empty)']);
    expect(await problems(withReal(['receive="Test("']))).toEqual(['3: invalid receive string: "Test(" does not compile: Unterminated group']);
  });

  it('httpmethod is GET or HEAD, any case', async () => {
    expect((await virtualOf(withReal(['httpmethod=head']))).httpmethod).toBe('HEAD');
    expect(await problems(withReal(['httpmethod=POST']))).toEqual(['3: httpmethod must be GET or HEAD (got "POST")']);
  });

  it('virtualhost takes a quoted or bare value; an empty one is ignored', async () => {
    expect((await virtualOf(withReal(['virtualhost=www.example.com']))).virtualhost).toBe('www.example.com');
    expect((await virtualOf(withReal(['virtualhost="www.example.com"']))).virtualhost).toBe('www.example.com');
    expect((await virtualOf(withReal(['virtualhost=']))).virtualhost).toBeUndefined();
  });

  it('credentials must be quoted and not empty', async () => {
    const v = await virtualOf(withReal(['login="u"', 'passwd="p w"', 'database="d"', 'secret="s"']));
    expect([v.login, v.passwd, v.database, v.secret]).toEqual(['u', 'p w', 'd', 's']);
    expect(await problems(withReal(['login=""', 'passwd=""', 'database=""', 'secret=""']))).toEqual([
      '3: invalid login string (it is empty)', '4: invalid password (it is empty)', '5: invalid database (it is empty)', '6: invalid secret (it is empty)',
    ]);
  });

  it('checkcommand must not be empty; blanks in it are warned about for external checks', async () => {
    expect(await problems(withReal(['checkcommand=']))).toEqual(['3: invalid check command (no value given)']);
    expect(await warnings(withReal(['checktype=external', 'checkcommand="/bin/check --fast"']))).toEqual([
      '1: checkcommand "/bin/check --fast" contains a blank; it is run without a shell, as in ldirectord, so it cannot carry arguments',
    ]);
  });
});

describe('timeouts, counts and intervals', () => {
  it.each([
    [[], [], 5, 30],
    [['checktimeout=3'], [], 3, 3],
    [[], ['checktimeout=3'], 3, 3],
    [['negotiatetimeout=9'], [], 9, 9],
    [[], ['negotiatetimeout=9'], 9, 9],
    [['checktimeout=2'], ['negotiatetimeout=9'], 2, 2],
    [['negotiatetimeout=9'], ['checktimeout=2'], 9, 9],
    [[], ['checktimeout=2', 'negotiatetimeout=9'], 2, 9],
    [['checktimeout=1', 'negotiatetimeout=4'], ['checktimeout=2', 'negotiatetimeout=9'], 1, 4],
  ])('virtual %j, global %j → check %i s, negotiate %i s', async (inside, globals, check, negotiate) => {
    const v = await virtualOf(withReal(inside, globals));
    expect([v.checkTimeoutSec, v.negotiateTimeoutSec]).toEqual([check, negotiate]);
  });

  it('per-virtual errors use ldirectord\'s per-virtual texts', async () => {
    expect(await problems(withReal(['checktimeout=0', 'negotiatetimeout=x', 'checkcount=0', 'failurecount=0', 'checkinterval=0', 'connecttimeout=1']))).toEqual([
      '3: invalid check timeout (got "0")', '4: invalid negotiate timeout (got "x")', '5: invalid check count (got "0")',
      '6: invalid failure count (got "0")', '7: invalid checkinterval (got "0")',
      '8: connecttimeout directive deprecated in favour of negotiatetimeout',
    ]);
  });

  it('counts inherit from the globals', async () => {
    const v = await virtualOf(withReal(['failurecount=4'], ['failurecount=2', 'checkcount=3']));
    expect([v.failureCount, v.checkCount]).toEqual([4, 3]);
  });

  it('a per-virtual checkinterval is ignored with fork=no, with ldirectord\'s warning', async () => {
    const text = withReal(['checkinterval=3'], ['checkinterval=15']);
    expect((await virtualOf(text)).checkIntervalSec).toBe(15);
    expect(await warnings(text)).toEqual(['-: checkinterval in virtual service tcp:192.0.2.10:80 ignored when fork=no']);
  });

  it('a per-virtual checkinterval is used with fork=yes', async () => {
    const text = withReal(['checkinterval=3'], ['fork=yes', 'checkinterval=15']);
    expect((await virtualOf(text)).checkIntervalSec).toBe(3);
    expect(await warnings(text)).toEqual([]);
  });
});

describe('IPVS directives', () => {
  it('scheduler takes the first run of lower-case letters', async () => {
    expect((await virtualOf(withReal(['scheduler=sh']))).scheduler).toBe('sh');
    expect(await problems(withReal(['scheduler=RR']))).toEqual(['3: invalid scheduler, should be only lowercase letters (a-z) (got "RR")']);
  });

  it('persistent, netmask and schedflags', async () => {
    const v = await virtualOf(withReal(['persistent=600', 'netmask=255.255.255.0', 'schedflags=sh-port']));
    expect([v.persistentSec, v.netmask, v.schedflags]).toEqual([600, '255.255.255.0', 'sh-port']);
  });

  it('persistent outside ipvsadm\'s range is a warning', async () => {
    expect(await warnings(withReal(['persistent=0']))).toEqual(['3: persistent=0 is outside 1..2678400, which ipvsadm rejects']);
  });

  it('netmask is a dotted quad for IPv4 and a prefix length for IPv6', async () => {
    expect(await problems(withReal(['netmask=24']))).toEqual(['3: invalid netmask: dotted quad notation is required (got "24")']);
    expect(await problems(withReal(['netmask=255.255.300.0']))).toEqual(['3: invalid netmask: each part of the dotted quad must be 0..255 (got "255.255.300.0")']);
    const v6 = await virtualOf(section(['real6=[2001:db8::2]:80 gate', 'netmask=64'], [], 'virtual6=[2001:db8::1]:80'));
    expect(v6.netmask).toBe('64');
    expect(await problems(section(['netmask=129'], [], 'virtual6=[2001:db8::1]:80'))).toEqual([
      '2: invalid netmask: a prefix length between 1 and 128 is required (got "129")',
    ]);
  });

  it('protocol must fit the kind of virtual', async () => {
    expect((await virtualOf(withReal(['protocol=udp']))).protocol).toBe('udp');
    expect(await problems(withReal(['protocol=fwm']))).toEqual(['3: protocol must be tcp or udp if the virtual service is an address and port (got "fwm")']);
    expect(await problems(section(['protocol=tcp'], [], 'virtual=3'))).toEqual(['2: protocol must be fwm if the virtual service is a fwmark (a number) (got "tcp")']);
    expect((await virtualOf(section(['real=198.51.100.1 gate', 'protocol=fwm', 'checktype=on'], [], 'virtual=3'))).protocol).toBe('fwm');
  });

  it('ops, quiescent and cleanstop are yes/no', async () => {
    const v = await virtualOf(withReal(['ops=yes', 'quiescent=yes', 'cleanstop=no']));
    expect([v.ops, v.quiescent, v.cleanstop]).toEqual([true, true, false]);
    expect(await problems(withReal(['ops=1']))).toEqual([`3: ops must be 'yes' or 'no' (got "1")`]);
  });

  it('quiescent and cleanstop inherit from the globals', async () => {
    const v = await virtualOf(withReal([], ['quiescent=yes', 'cleanstop=no']));
    expect([v.quiescent, v.cleanstop]).toEqual([true, false]);
  });
});

describe('other directives', () => {
  it('fallbackcommand per virtual strips quotes and overrides the global', async () => {
    expect((await virtualOf(withReal(['fallbackcommand="/bin/own"'], ['fallbackcommand=/bin/global']))).fallbackcommand).toBe('/bin/own');
    expect((await virtualOf(withReal([], ['fallbackcommand=/bin/global']))).fallbackcommand).toBe('/bin/global');
  });

  it('monitorfile, servicename and comment are kept', async () => {
    const v = await virtualOf(withReal(['monitorfile=/var/log/ld-web.log', 'servicename=Web', 'comment=front end']));
    expect([v.monitorfile, v.servicename, v.comment]).toEqual(['/var/log/ld-web.log', 'Web', 'front end']);
  });

  it('e-mail settings override the globals per virtual', async () => {
    const v = await virtualOf(withReal(['emailalert=web@example.com', 'emailalertstatus=none'], ['emailalert=ops@example.com', 'emailalertfreq=60', 'smtp=mx']));
    expect([v.emailalert, v.emailalertfreq, v.emailalertstatus, v.smtp]).toEqual([['web@example.com'], 60, ['none'], 'mx']);
  });

  it('load is parsed and ignored, as in ldirectord', async () => {
    await virtualOf(withReal(['load="anything"']));
    expect(await problems(withReal(['load="--"']))).toEqual(['3: invalid string for load testing']);
  });

  it('a virtual without reals loads', async () => {
    expect((await virtualOf(section(['service=http']))).reals).toEqual([]);
  });

  it('warns when a check has no port to go to', async () => {
    expect(await warnings(section(['real=198.51.100.1 gate', 'checktype=connect'], [], 'virtual=5'))).toEqual([
      '2: the real 198.51.100.1 has no port and service=none has no default port; set checkport=',
    ]);
    expect(await warnings(section(['real=198.51.100.1 gate', 'checktype=connect', 'checkport=22'], [], 'virtual=5'))).toEqual([]);
  });

  it('a section whose header is invalid still reports its own lines', async () => {
    expect(await problems('virtual=@bad\n\treal=198.51.100.1:80 direct\n\tbogus=1\n')).toEqual([
      '1: invalid address for virtual server (got "@bad")',
      '2: forward method must be gate, masq or ipip (got "direct")',
      '3: Unknown command "\\tbogus=1"',
    ]);
  });
});
