/**
 * IP address text <-> bytes, with one canonical text form per address (dotted quad for IPv4,
 * RFC 5952 for IPv6), so that keys built from addresses compare equal however the operator
 * wrote them. Pure: no DNS.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

/** 4 or 6 for a literal address, undefined for anything else (hostnames included). */
export function ipFamily(text: string): Family | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

/** Network-order bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) literal. Throws on anything else. */
export function ipToBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text)) throw new TypeError(`not an IP address: ${text}`);
  let head = text;
  let v4tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    v4tail = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') as [string, string] : [head, undefined];
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const l = words(left);
  const r = right === undefined ? [] : words(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const buf = Buffer.alloc(16);
  all.forEach((w, i) => buf.writeUInt16BE(w, i * 2));
  if (v4tail.length === 4) Buffer.from(v4tail).copy(buf, 12);
  return buf;
}

/** Canonical text of a 4- or 16-byte network-order address. */
export function bytesToIp(buf: Uint8Array, family: Family): string {
  if (family === 4) return `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0));
  // RFC 5952: compress the longest run (length >= 2) of zero words, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** Canonical text of a literal address; undefined if it is not one. */
export function canonicalIp(text: string): string | undefined {
  const family = ipFamily(text);
  return family === undefined ? undefined : bytesToIp(ipToBytes(text), family);
}

/** `a.b.c.d:port` or `[v6]:port`, the form ldirectord prints. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** IPv4 address as an unsigned 32-bit integer (for range expansion). */
export function ipv4ToInt(text: string): number {
  return ipToBytes(text).readUInt32BE(0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
