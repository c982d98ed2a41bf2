import winston from 'winston';
import type TransportStream from 'winston-transport';
import type { LogLevel } from './log.js';

/**
 * winston's transport base class, taken from winston itself (which re-exports it at run time as
 * `Transport`) so that we depend on no package beyond winston. The typings name the value
 * `transport`, which does not exist at run time, hence the cast.
 */
export const TransportBase = (winston as unknown as { Transport: typeof TransportStream }).Transport;

/** What our transports receive from the logger: the level name and the chomped message. */
export interface LogInfo {
  readonly level: string;
  readonly message: unknown;
}

/** The `Log` level an info object carries; anything unexpected counts as info. */
export function levelOf(info: LogInfo): LogLevel {
  switch (info.level) {
    case 'error':
    case 'warning':
    case 'debug':
      return info.level;
    default:
      return 'info';
  }
}

/** The message text an info object carries. */
export function messageOf(info: LogInfo): string {
  return typeof info.message === 'string' ? info.message : String(info.message);
}
