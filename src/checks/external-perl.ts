/**
 * checktype=external-perl. ldirectord compiles the file into `sub { @ARGV = @_; <file> }` and
 * calls it in-process, catching `exit`. We run the same wrapping in a separate `perl`, so a
 * script cannot hang or crash the daemon, and keep its meaning: `exit 0`, `return`, or falling
 * off the end is up; `die`, a compile error or a non-zero exit is down.
 */
import { startCheckTimer } from './check-timer.js';
import { exitVerdict } from './exit-verdict.js';
import { runProcessGroup } from './process-group.js';
import type { CheckSpecOf, Checker } from './types.js';

/**
 * Reads the script named by the first argument and runs it as the body of a sub with the rest as
 * @ARGV. `#line` makes die messages name the script's own file and line.
 */
const WRAPPER = String.raw`
my $file = shift @ARGV;
open(my $fh, '<', $file) or die "cannot open external-perl checkcommand file: $file: $!\n";
my $code = do { local $/; <$fh> };
close $fh;
my $line = $file =~ /["\n]/ ? '' : qq{#line 1 "$file"\n};
my $sub = eval "package main; sub { \@ARGV = \@_;\n$line$code\n}";
die $@ if $@;
$sub->(@ARGV);
exit 0;
`;

/** `perl` + wrapper + script + args, judged like an external command. */
export const externalPerlCheck: Checker<CheckSpecOf<'external-perl'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const outcome = await runProcessGroup('perl', ['-e', WRAPPER, '--', spec.script, ...spec.args], signal);
  return exitVerdict(outcome, `external-perl ${[spec.script, ...spec.args].join(' ')}`, timer, signal);
};
