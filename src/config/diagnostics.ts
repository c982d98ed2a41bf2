/**
 * Collects the problems and warnings of one parse. Everything is kept in memory up to a hard
 * bound so that a hostile file cannot exhaust memory; what is returned is sorted by line and
 * capped at LIMITS.maxReported, with one closing entry that says how many were left out.
 */
import { compact } from './compact.js';
import { LIMITS } from './defaults.js';
import type { ConfigProblem, ConfigWarning } from './model.js';

/** Never hold more than this many of either kind, whatever the file. */
const HARD_BOUND = 20_000;

/** Problems and warnings of one parse, for one file. */
export class Diagnostics {
  private readonly problemList: ConfigProblem[] = [];
  private readonly warningList: ConfigWarning[] = [];
  private problemTotal = 0;
  private warningTotal = 0;

  constructor(readonly file: string) {}

  /** A problem that makes the file invalid. `line` 0 means the file as a whole. */
  error(line: number, directive: string, message: string): void {
    this.problemTotal++;
    if (this.problemList.length < HARD_BOUND) this.problemList.push({ file: this.file, line, directive, message });
  }

  /** Something worth saying that does not stop the file loading. */
  warn(line: number | undefined, directive: string | undefined, message: string): void {
    this.warningTotal++;
    if (this.warningList.length >= HARD_BOUND) return;
    this.warningList.push(compact<ConfigWarning>({ line, directive, message }));
  }

  get hasProblems(): boolean {
    return this.problemTotal > 0;
  }

  problems(): readonly ConfigProblem[] {
    const sorted = stableByLine(this.problemList);
    const shown = sorted.slice(0, LIMITS.maxReported);
    const hidden = this.problemTotal - shown.length;
    if (hidden > 0) {
      const last = shown[shown.length - 1];
      shown.push({
        file: this.file,
        line: last?.line ?? 0,
        directive: '',
        message: `${hidden} more problem${hidden === 1 ? '' : 's'} not shown`,
      });
    }
    return shown;
  }

  warnings(): readonly ConfigWarning[] {
    const sorted = stableByLine(this.warningList);
    const shown = sorted.slice(0, LIMITS.maxReported);
    const hidden = this.warningTotal - shown.length;
    if (hidden > 0) shown.push({ message: `${hidden} more warning${hidden === 1 ? '' : 's'} not shown` });
    return shown;
  }
}

/** Line order, file-level entries (no line) last for warnings and first (line 0) for problems. */
function stableByLine<T extends { readonly line?: number }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => lineOf(a.item) - lineOf(b.item) || a.index - b.index)
    .map((x) => x.item);
}

function lineOf(x: { readonly line?: number }): number {
  return x.line ?? Number.MAX_SAFE_INTEGER;
}
