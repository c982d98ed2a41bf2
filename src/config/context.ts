/** What every directive handler of one parse shares. */
import type { Diagnostics } from './diagnostics.js';
import type { GlobalsDraft, PathCheck } from './drafts.js';
import type { NameLookup } from './names.js';

/** The state one parse shares between directive handlers. */
export interface ParseContext {
  readonly diag: Diagnostics;
  readonly names: NameLookup;
  /** ldirectord's `$HOSTNAME`, for the ftp and sip login defaults. */
  readonly hostname: string;
  readonly globals: GlobalsDraft;
  readonly pathChecks: PathCheck[];
  /** Line of the first e-mail directive, for the one "not sent yet" warning. */
  emailLine?: number;
}
