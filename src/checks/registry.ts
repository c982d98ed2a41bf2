/**
 * The one place that maps a check kind to its checker. It also guards the contract: a checker
 * reports failure as a value, so anything it throws is our bug, and becomes `reason: 'error'`
 * with the message rather than an exception in the scheduler.
 */
import { startCheckTimer } from './check-timer.js';
import { connectCheck } from './connect.js';
import { externalCheck } from './external.js';
import { externalPerlCheck } from './external-perl.js';
import { httpCheck } from './http.js';
import { httpProxyCheck } from './http-proxy.js';
import { noneCheck } from './none.js';
import { pingCheck } from './ping.js';
import { serviceCheck } from './service.js';
import { simpletcpCheck } from './simpletcp.js';
import type { CheckResult, CheckSpec } from './types.js';

/** Runs one probe of `spec`; resolves (never rejects) by the time `signal` fires, give or take cleanup. */
export async function runCheck(spec: CheckSpec, signal: AbortSignal): Promise<CheckResult> {
  const timer = startCheckTimer();
  try {
    return await dispatch(spec, signal);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return timer.down('error', `internal error in the ${String((spec as { kind?: unknown }).kind)} check: ${message}`);
  }
}

function dispatch(spec: CheckSpec, signal: AbortSignal): Promise<CheckResult> {
  switch (spec.kind) {
    case 'connect':
      return connectCheck(spec, signal);
    case 'ping':
      return pingCheck(spec, signal);
    case 'http':
      return httpCheck(spec, signal);
    case 'http-proxy':
      return httpProxyCheck(spec, signal);
    case 'simpletcp':
      return simpletcpCheck(spec, signal);
    case 'external':
      return externalCheck(spec, signal);
    case 'external-perl':
      return externalPerlCheck(spec, signal);
    case 'service':
      return serviceCheck(spec, signal);
    case 'none':
      return noneCheck(spec, signal);
    default:
      return unknownKind(spec);
  }
}

function unknownKind(spec: never): never {
  throw new Error(`unknown check kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
}
