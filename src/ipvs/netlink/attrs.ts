/**
 * IPVS generic-netlink wire constants (`include/uapi/linux/ip_vs.h`), and the quirks that the
 * codec has to get right. Everything here was checked against a real 6.1 kernel (reference
 * stack.md §1.6); the comments say what surprises a reader of the header file.
 *
 * Message layout:
 *
 *   nlmsghdr (16)  u32 len | u16 type = IPVS family id | u16 flags | u32 seq | u32 pid
 *   genlmsghdr (4) u8 cmd | u8 version = 1 | u16 reserved
 *   attributes     u16 nla_len | u16 nla_type | payload | zero pad to 4 bytes
 *
 * Quirks:
 *
 * - Family id. `IPVS` is a dynamic generic-netlink family: its id is whatever the kernel handed
 *   out when ip_vs.ko registered, so it is resolved through nlctrl at start and again whenever the
 *   kernel answers ENOENT (the module may have been reloaded under a new id).
 * - Byte order. Everything is host order (little-endian on x86-64) EXCEPT the ports: service and
 *   dest `PORT` are `__be16`, and the IPv4 `NETMASK` is the mask itself in network order
 *   (255.255.255.0 → `ff ff ff 00`). The NLA_F_NET_BYTEORDER bit is never set on any of them.
 * - Netmask. For IPv6 services the very same 4-byte attribute holds a prefix length 1..128 as a
 *   host-order u32 (128 → `80 00 00 00`); anything outside that range is EINVAL.
 * - Addresses. `ADDR` is a `union nf_inet_addr`: an IPv4 address sits in bytes 0..3 of it. We
 *   always send all 16 bytes (as ipvsadm does); the kernel zero-fills shorter payloads anyway and
 *   its replies are always 16 bytes, so the decoder slices 4 or 16 by family.
 * - Flags. `FLAGS` is `struct ip_vs_flags { u32 flags; u32 mask; }`: the kernel computes
 *   `(old & ~mask) | (flags & mask)`, so we always write `mask = ~0` to replace the whole set.
 *   Replies carry `HASHED` (0x2), which the kernel sets on every live service: masked off on read.
 * - Fwmark services. When `FWMARK` is present the kernel ignores protocol/address/port, and its
 *   replies for such a service carry no PROTOCOL/ADDR/PORT at all.
 * - Dest family. `DEST ADDR_FAMILY` (kernel >= 3.18) may differ from the service's AF only for
 *   tunnel dests. Older kernels omit it in replies, so the decoder falls back to the service AF.
 * - Nesting. SERVICE and DEST are nested attributes, but IPVS parses with the non-strict parser
 *   and the kernel's own replies do not set NLA_F_NESTED either, so we do not set it.
 * - Padding. Each attribute starts on a 4-byte boundary; `nla_len` counts header + payload, not
 *   the padding. The last child of a nested attribute is left unpadded (so SERVICE identity is
 *   46 bytes long), and the pad bytes come before the next attribute.
 * - Order. Replies are not in numeric attribute order (6.1 puts TUN_* between WEIGHT and
 *   U_THRESH), newer kernels add attributes, and PAD attributes can appear inside stats: the
 *   decoder collects attributes by type and ignores types it does not know.
 * - Replies. GET_SERVICE answers with cmd NEW_SERVICE, GET_DEST with NEW_DEST, GET_INFO with
 *   SET_INFO. GET_DEST exists only as a dump (without NLM_F_DUMP: EOPNOTSUPP), and a dests dump
 *   of a missing service is empty rather than an error.
 */
import type { ForwardMethod, IpvsProtocol } from '../types.js';

/** Generic-netlink family name and the `version` byte of every message we send. */
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

/** Generic-netlink command numbers (`IPVS_CMD_*`). */
export const IpvsCmd = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  SET_INFO: 14,
  GET_INFO: 15,
} as const;
export type IpvsCmdName = keyof typeof IpvsCmd;

/** Top-level attributes (`IPVS_CMD_ATTR_*`). */
export const CmdAttr = { SERVICE: 1, DEST: 2 } as const;

/** Attributes nested in SERVICE (`IPVS_SVC_ATTR_*`). */
export const SvcAttr = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

/** Attributes nested in DEST (`IPVS_DEST_ATTR_*`). */
export const DestAttr = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

/** Top-level attributes of the GET_INFO reply (`IPVS_INFO_ATTR_*`). */
export const InfoAttr = { VERSION: 1, CONN_TAB_SIZE: 2 } as const;

export const AF_INET = 2;
export const AF_INET6 = 10;

/** IP protocol numbers of the protocols a service can have. */
export const PROTOCOL_NUMBER: Readonly<Record<IpvsProtocol, number>> = { tcp: 6, udp: 17, sctp: 132 };

/** `IP_VS_CONN_F_*` forwarding values; the kernel keeps them under mask 0x7. */
export const FORWARD_NUMBER: Readonly<Record<ForwardMethod, number>> = {
  masq: 0,
  local: 1,
  tunnel: 2,
  route: 3,
  bypass: 4,
};
export const FWD_MASK = 0x7;

/** Longest scheduler / persistence-engine name, NUL excluded (`IP_VS_SCHEDNAME_MAXLEN` - 1). */
export const NAME_MAX = 15;

/** The u32 `mask` written with FLAGS so the kernel replaces every flag bit. */
export const FLAGS_MASK_ALL = 0xffffffff;
