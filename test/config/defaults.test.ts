/**
 * Every default, as ldirectord 4.12's code sets it (set_defaults and read_config), one row each.
 * Note quiescent: the man page says yes, the code says no, and the code wins.
 */
import { describe, expect, it } from 'vitest';
import { ok, section, virtualOf } from './helpers.js';

const MINIMAL = section(['real=198.51.100.1:80 gate']);

describe('global defaults', () => {
  it.each([
    ['checkinterval', 'checkIntervalSec', 10],
    ['checkcount', 'checkCount', 1],
    ['failurecount', 'failureCount', 1],
    ['risecount (extension)', 'riseCount', 1],
    ['quiescent (no, not the man page yes)', 'quiescent', false],
    ['readdquiescent', 'readdquiescent', false],
    ['cleanstop', 'cleanstop', true],
    ['autoreload', 'autoreload', false],
    ['logfile', 'logfile', '/var/log/ldirectord.log'],
    ['supervised', 'supervised', false],
    ['fork', 'fork', false],
    ['execute', 'execute', []],
    ['emailalert', 'emailalert', []],
    ['emailalertfreq', 'emailalertfreq', 0],
    ['emailalertstatus', 'emailalertstatus', ['all']],
    ['maxpurge (extension)', 'maxPurgePercent', 50],
    ['checktimeout (unset: virtuals resolve it)', 'checkTimeoutSec', undefined],
    ['negotiatetimeout (unset)', 'negotiateTimeoutSec', undefined],
    ['callback', 'callback', undefined],
    ['maintenancedir', 'maintenancedir', undefined],
    ['emailalertfrom', 'emailalertfrom', undefined],
    ['smtp', 'smtp', undefined],
    ['fallback', 'fallback', undefined],
    ['fallback6', 'fallback6', undefined],
    ['fallbackcommand', 'fallbackcommand', undefined],
  ] as const)('%s', async (_name, field, value) => {
    const c = await ok(MINIMAL);
    expect(c.globals[field]).toEqual(value);
  });
});

describe('virtual defaults', () => {
  it.each([
    ['checktype', 'checktype', { kind: 'negotiate' }],
    ['protocol', 'protocol', 'tcp'],
    ['service from port 80', 'service', 'http'],
    ['request', 'request', '/'],
    ['receive', 'receive', ''],
    ['receiveRegExp (none without receive)', 'receiveRegExp', undefined],
    ['httpmethod', 'httpmethod', 'GET'],
    ['login', 'login', ''],
    ['passwd', 'passwd', ''],
    ['database', 'database', ''],
    ['secret', 'secret', ''],
    ['checkcommand', 'checkcommand', '/bin/true'],
    ['checktimeout', 'checkTimeoutSec', 5],
    ['negotiatetimeout', 'negotiateTimeoutSec', 30],
    ['checkinterval', 'checkIntervalSec', 10],
    ['checkcount', 'checkCount', 1],
    ['failurecount', 'failureCount', 1],
    ['risecount (extension)', 'riseCount', 1],
    ['checkwindow (extension)', 'window', undefined],
    ['tls (extension)', 'tls', { verify: false }],
    ['quiescent', 'quiescent', false],
    ['cleanstop', 'cleanstop', true],
    ['scheduler', 'scheduler', 'wrr'],
    ['ops', 'ops', false],
    ['persistent', 'persistentSec', undefined],
    ['netmask', 'netmask', undefined],
    ['schedflags', 'schedflags', undefined],
    ['checkport', 'checkport', undefined],
    ['virtualhost', 'virtualhost', undefined],
    ['fallback', 'fallback', undefined],
    ['emailalert', 'emailalert', []],
    ['emailalertfreq', 'emailalertfreq', 0],
    ['emailalertstatus', 'emailalertstatus', ['all']],
  ] as const)('%s', async (_name, field, value) => {
    const v = await virtualOf(MINIMAL);
    expect(v[field]).toEqual(value);
  });

  it('gives a real weight 1, no thresholds and no request of its own', async () => {
    const v = await virtualOf(MINIMAL);
    expect(v.reals).toEqual([{
      line: 2, family: 4, address: '198.51.100.1', port: 80, forward: 'gate', weight: 1, lowerThreshold: 0, upperThreshold: 0,
    }]);
  });

  it('gives a real without a port port 0', async () => {
    const v = await virtualOf(section(['real=198.51.100.1 gate'], [], 'virtual=3'));
    expect(v.reals[0]?.port).toBe(0);
  });

  it('makes :53 and :domain udp, and any other port tcp', async () => {
    expect((await virtualOf(section(['real=198.51.100.1:53 gate'], [], 'virtual=192.0.2.1:53'))).protocol).toBe('udp');
    expect((await virtualOf(section(['real=198.51.100.1:53 gate'], [], 'virtual=192.0.2.1:domain'))).protocol).toBe('udp');
    expect((await virtualOf(section(['real=198.51.100.1:25 gate'], [], 'virtual=192.0.2.1:25'))).protocol).toBe('tcp');
  });

  it('makes a firewall mark protocol fwm and service none', async () => {
    const v = await virtualOf(section(['real=198.51.100.1 gate'], [], 'virtual=7'));
    expect(v.protocol).toBe('fwm');
    expect(v.service).toBe('none');
    expect(v.endpoint).toEqual({ kind: 'fwmark', mark: 7 });
  });

  it('derives the service from every port of the table, and none for others', async () => {
    const table: [number, string][] = [
      [21, 'ftp'], [25, 'smtp'], [53, 'dns'], [80, 'http'], [110, 'pop'], [119, 'nntp'], [143, 'imap'], [389, 'ldap'],
      [443, 'https'], [587, 'submission'], [636, 'ldaps'], [993, 'imaps'], [995, 'pops'], [1521, 'oracle'],
      [1812, 'radius'], [3128, 'http_proxy'], [3306, 'mysql'], [5060, 'sip'], [5432, 'pgsql'], [8080, 'none'],
    ];
    const text = table.map(([port]) => section([`real=198.51.100.1:${port} masq`], [], `virtual=192.0.2.1:${port}`)).join('\n');
    const c = await ok(text);
    expect(c.virtuals.map((v) => [v.endpoint.kind === 'addr' ? v.endpoint.port : 0, v.service])).toEqual(table);
  });

  it('gives a fallback without forwarding method gate, and without port the virtual port', async () => {
    const v = await virtualOf(section(['real=198.51.100.1:80 gate', 'fallback=127.0.0.1']));
    expect(v.fallback).toEqual({ line: 3, family: 4, address: '127.0.0.1', port: 80, forward: 'gate' });
  });
});
