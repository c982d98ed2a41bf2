/**
 * The pure parser: config text → globals, virtuals, problems and warnings. No files, no DNS,
 * no clock: names come through a NameLookup, the hostname is passed in, and the filesystem
 * checks ldirectord makes while parsing are returned as PathChecks for the loader to run.
 */
import type { ParseContext } from './context.js';
import { Diagnostics } from './diagnostics.js';
import { newGlobalsDraft, newVirtualDraft, type PathCheck, type VirtualDraft } from './drafts.js';
import { finalizeGlobals, finalizeVirtuals } from './finalize.js';
import { applyGlobalLine } from './global-directives.js';
import { scanConfig } from './lexer.js';
import type { Globals, Virtual } from './model.js';
import type { NameLookup } from './names.js';
import { applyVirtualLine } from './virtual-directives.js';
import { parseVirtualHeader } from './virtual-header.js';
import { resolveSection, type ResolvedSection } from './virtual-resolve.js';

/** The parser's inputs besides the text. */
export interface ParseOptions {
  /** The path, as it should appear in problems. */
  readonly file: string;
  readonly names: NameLookup;
  /** ldirectord's `$HOSTNAME` (the ftp/sip login defaults). */
  readonly hostname: string;
}

/** What one parse found; the loader turns it into a Config or a problem list. */
export interface ParsedConfig {
  readonly globals: Globals;
  readonly virtuals: readonly Virtual[];
  readonly pathChecks: readonly PathCheck[];
  readonly diag: Diagnostics;
}

/** Parse and validate config text. Pure; a file with a NUL byte is one problem and nothing else. */
export function parseConfig(text: string, options: ParseOptions): ParsedConfig {
  const diag = new Diagnostics(options.file);
  const ctx: ParseContext = {
    diag, names: options.names, hostname: options.hostname, globals: newGlobalsDraft(), pathChecks: [],
  };
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = countLines(text, nul);
    diag.error(line, '', `the file contains a NUL byte at line ${line}; it is not a text configuration file`);
    return { globals: finalizeGlobals(ctx.globals), virtuals: [], pathChecks: [], diag };
  }
  const sections: ResolvedSection[] = [];
  let draft: VirtualDraft | undefined;
  for (const item of scanConfig(text)) {
    switch (item.kind) {
      case 'virtual': {
        const directive = item.family === 6 ? 'virtual6' : 'virtual';
        const header = parseVirtualHeader(item.value, item.family, { diag, line: item.line, directive, global: true });
        draft = newVirtualDraft(item.line, item.family, header);
        break;
      }
      case 'member':
        if (draft) applyVirtualLine(item.text, item.raw, item.line, draft, ctx);
        break;
      case 'end':
        if (draft) sections.push(resolveSection(draft, ctx));
        draft = undefined;
        break;
      case 'global':
        applyGlobalLine(item.text, item.line, ctx, item.orphan);
        break;
      default:
        return item satisfies never;
    }
  }
  const g = ctx.globals;
  // ldirectord opens a logfile path at once (and skips that when supervised).
  if (g.logfileLine !== undefined && g.logfile.startsWith('/') && !g.supervised) {
    ctx.pathChecks.push({ kind: 'logfile', path: g.logfile, line: g.logfileLine });
  }
  const virtuals = finalizeVirtuals(sections, ctx);
  return { globals: finalizeGlobals(g), virtuals, pathChecks: ctx.pathChecks, diag };
}

function countLines(text: string, end: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
