// The sentence an operator reads when the daemon cannot start on a host without usable IPVS.
import { describe, expect, it } from 'vitest';
import { IpvsUnavailableError } from '../../../src/ipvs/ipvs-error.js';
import { ipvsUnavailable } from '../../../src/ipvs/netlink/ipvs-unavailable.js';
import { NetlinkError } from '../../../src/ipvs/netlink/netlink-error.js';

describe('ipvsUnavailable', () => {
  it.each([
    [2, 'IPVS is not available: the ip_vs kernel module is not loaded and could not be loaded (try `modprobe ip_vs`).'],
    [1, 'IPVS access was denied: ldirectord-ng must run as root or with CAP_NET_ADMIN to manage the IPVS table.'],
    [13, 'IPVS access was denied: ldirectord-ng must run as root or with CAP_NET_ADMIN to manage the IPVS table.'],
    [12, 'IPVS is not available: the kernel answered ENOMEM (not enough memory) when asked for the IPVS family and version.'],
  ])('errno %i gives one sentence', (errno, sentence) => {
    const err = ipvsUnavailable(errno);
    expect(err).toBeInstanceOf(IpvsUnavailableError);
    expect(err.code).toBe('LD_ERR_IPVS_UNAVAILABLE');
    expect(err.message).toBe(sentence);
  });

  it('a failure without an errno keeps its own words and its cause', () => {
    const cause = new NetlinkError(0, 'generic netlink reply truncated');
    const err = ipvsUnavailable(0, cause);
    expect(err.message).toBe('IPVS is not available: generic netlink reply truncated.');
    expect(err.cause).toBe(cause);
  });
});
