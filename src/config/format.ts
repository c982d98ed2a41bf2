/** Problems and warnings as text, in our format and in ldirectord's (reference §6.1). */
import type { ConfigProblem, ConfigWarning } from './model.js';

/**
 * `<file>:<line>: <directive>: <message>`. Line 0 (the file as a whole) prints as `<file>:`
 * alone, and an empty directive is left out.
 */
export function formatProblem(p: ConfigProblem): string {
  return `${where(p.file, p.line)}${p.directive ? `${p.directive}: ` : ''}${p.message}`;
}

/** `Error [<pid>] reading file <file> at line <n>: <message>` (`Error [<pid>]: <message>` for line 0). */
export function formatProblemLdirectord(p: ConfigProblem, pid: number): string {
  return p.line > 0
    ? `Error [${pid}] reading file ${p.file} at line ${p.line}: ${p.message}`
    : `Error [${pid}]: ${p.message}`;
}

/** `<file>:<line>: <directive>: warning: <message>`, or `<file>: warning: <message>` without a line. */
export function formatWarning(w: ConfigWarning, file: string): string {
  return `${where(file, w.line ?? 0)}${w.directive ? `${w.directive}: ` : ''}warning: ${w.message}`;
}

/** `Warning [<pid>] reading file <file> at line <n>: <message>`, or `Warning [<pid>]: <message>`. */
export function formatWarningLdirectord(w: ConfigWarning, file: string, pid: number): string {
  return w.line !== undefined && w.line > 0
    ? `Warning [${pid}] reading file ${file} at line ${w.line}: ${w.message}`
    : `Warning [${pid}]: ${w.message}`;
}

function where(file: string, line: number): string {
  return line > 0 ? `${file}:${line}: ` : `${file}: `;
}
