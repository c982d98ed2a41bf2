/**
 * Identity of a check plan, computed from its content: two plans that would send the same probes
 * on the same timing get the same key (so a real shared by several virtuals is probed once), and
 * any difference in target, strings, timeouts, mode or interval gives a different key. The key
 * starts with a short readable summary for log lines and ends with a hash of the full content.
 */
import { createHash } from 'node:crypto';
import { hostPort } from '../util/ip.js';
import type { CheckKey, CheckMode, CheckPlan, CheckSpec } from './types.js';

/** Hex digits of sha256 kept in the key (64 bits: no collision among any realistic set of checks). */
const HASH_HEX_DIGITS = 16;

/** `http GET http://10.0.0.2:80/ #3fa2c1d4e5b6a798`; stable across runs and processes. */
export function checkKeyOf(plan: Omit<CheckPlan, 'key'>): CheckKey {
  const hash = createHash('sha256').update(canonicalJson({ intervalMs: plan.intervalMs, mode: plan.mode })).digest('hex');
  return `${summarizeMode(plan.mode)} #${hash.slice(0, HASH_HEX_DIGITS)}` as CheckKey;
}

function summarizeMode(mode: CheckMode): string {
  switch (mode.kind) {
    case 'on':
    case 'off':
      return mode.kind;
    case 'single':
      return summarizeSpec(mode.spec);
    case 'combined':
      return `combined/${mode.every} ${summarizeSpec(mode.negotiate)}`;
  }
}

function summarizeSpec(spec: CheckSpec): string {
  switch (spec.kind) {
    case 'connect':
      return `connect ${spec.protocol} ${hostPort(spec.target.address, spec.target.port)}`;
    case 'ping':
      return `ping ${spec.target.address}`;
    case 'http':
      return `http ${spec.method} ${spec.url}`;
    case 'http-proxy':
      return `http-proxy ${spec.method} ${spec.url} via ${hostPort(spec.target.address, spec.target.port)}`;
    case 'simpletcp':
      return `simpletcp ${hostPort(spec.target.address, spec.target.port)}`;
    case 'external':
      return `external ${[spec.command, ...spec.args].join(' ')}`;
    case 'external-perl':
      return `external-perl ${[spec.script, ...spec.args].join(' ')}`;
    case 'service':
      return `${spec.service} ${spec.protocol} ${hostPort(spec.target.address, spec.target.port)}`;
    case 'none':
      return 'none';
  }
}

/** JSON with object keys sorted at every level and undefined members left out. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
