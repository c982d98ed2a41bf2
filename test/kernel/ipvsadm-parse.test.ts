/**
 * The ipvsadm output parser every kernel test reads the table with, checked on captured ipvsadm
 * 1.31 output (from this VM) so a misparse cannot make a table assertion pass by accident.
 */
import { describe, expect, it } from 'vitest';
import { parseIpvsadm } from './helpers/ipvsadm.js';

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.1.1.1:80 wrr
  -> 10.1.1.2:80                  Route   3      0          0         
  -> 10.1.1.5:8080                Masq    1      4          7         
TCP  10.2.2.3:80 mh (mh-fallback,mh-port) persistent 360
UDP  10.2.2.2:5060 sh (sh-port) persistent 100 mask 255.255.0.0 pe sip ops
SCTP 10.2.2.4:80 rr
  -> 10.2.2.5:80                  Local   0      0          0         
TCP  [2001:db8::9]:80 rr persistent 10
  -> 10.2.2.5:80                  Tunnel  1      0          0         
FWM  6 IPv6 rr persistent 60 mask 64
  -> [2001:db8::3]:80             Route   1      0          0         
`;

const THRESHOLDS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn 
  -> RemoteAddress:Port
TCP  10.1.1.1:80 wrr
  -> 10.1.1.2:80                  0          0          0          0         
  -> 10.1.1.5:8080                100        10         4          7         
TCP  10.2.2.3:80 mh (mh-fallback,mh-port) persistent 360
UDP  10.2.2.2:5060 sh (sh-port) persistent 100 mask 255.255.0.0 pe sip ops
SCTP 10.2.2.4:80 rr
  -> 10.2.2.5:80                  0          0          0          0         
TCP  [2001:db8::9]:80 rr persistent 10
  -> 10.2.2.5:80                  7          0          0          0         
FWM  6 IPv6 rr persistent 60 mask 64
  -> [2001:db8::3]:80             0          0          0          0         
`;

describe('parseIpvsadm', () => {
  it('reads services, flags, persistence and dests, with thresholds merged per service', () => {
    const none = { schedFlags: [], persistent: null, netmask: null, pe: null, ops: false };
    expect(parseIpvsadm(LIST, THRESHOLDS)).toEqual([
      {
        service: 'TCP 10.1.1.1:80', scheduler: 'wrr', ...none,
        dests: [
          { address: '10.1.1.2:80', forward: 'route', weight: 3, upperThreshold: 0, lowerThreshold: 0 },
          { address: '10.1.1.5:8080', forward: 'masq', weight: 1, upperThreshold: 100, lowerThreshold: 10 },
        ],
      },
      { service: 'TCP 10.2.2.3:80', scheduler: 'mh', ...none, schedFlags: ['mh-fallback', 'mh-port'], persistent: 360, dests: [] },
      {
        service: 'UDP 10.2.2.2:5060', scheduler: 'sh', schedFlags: ['sh-port'], persistent: 100, netmask: '255.255.0.0', pe: 'sip', ops: true,
        dests: [],
      },
      { service: 'SCTP 10.2.2.4:80', scheduler: 'rr', ...none, dests: [{ address: '10.2.2.5:80', forward: 'local', weight: 0, upperThreshold: 0, lowerThreshold: 0 }] },
      // The same dest address under another service keeps its own thresholds.
      { service: 'TCP [2001:db8::9]:80', scheduler: 'rr', ...none, persistent: 10, dests: [{ address: '10.2.2.5:80', forward: 'tunnel', weight: 1, upperThreshold: 7, lowerThreshold: 0 }] },
      { service: 'FWM 6 IPv6', scheduler: 'rr', ...none, persistent: 60, netmask: '64', dests: [{ address: '[2001:db8::3]:80', forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 }] },
    ]);
  });

  it('reads an empty table as no services', () => {
    expect(parseIpvsadm(LIST.split('\n').slice(0, 3).join('\n'))).toEqual([]);
  });

  it('throws on a line it does not understand instead of skipping it', () => {
    expect(() => parseIpvsadm(`${LIST}  -> 10.9.9.9:80 Weird 1 0 0\n`)).toThrow(/unexpected line/);
    expect(() => parseIpvsadm('  -> 10.1.1.2:80                  Route   3      0          0\n')).toThrow(/unexpected line/);
  });
});
