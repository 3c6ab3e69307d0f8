#!/usr/bin/perl
# Turns the examples of man pages that are meant to run, or a section of
# the README, into a shell script that runs them (tests/e2e/man-examples.t,
# tests/e2e/readme-tour.t).
#
#	perl tests/manex.pl man/PAGE...
#	perl tests/manex.pl -s SECTION [-r FILE] README
#
# In a man page, a literal block (.Bd -literal ... .Ed) runs when the line
# before its .Bd is the roff comment
#
#	.\" test [any-output] [TEXT=REPLACEMENT ...]
#
# In a text file such as the README (-s), the blocks that run are those of
# the section whose title is SECTION (a line underlined with - or =), up
# to the next title: its lines indented by four spaces or more.  The
# replacements come from FILE, a line each: TEXT, a tab, REPLACEMENT; each
# must be used, so that the text and its test cannot drift apart unseen.
#
# A block's commands are the lines after a prompt ("$ ", "# ", "hub# ",
# ...), with the lines that continue them (a command goes on while it ends
# in \ or a pipe, or sh -n finds it unfinished); the other lines are what
# the command before them prints, "..." standing for any text.  Each TEXT
# is replaced by its REPLACEMENT, in commands and in what they print,
# longest first: a path of the page's machine by one of the test's
# (REPLACEMENT may name the test's variables: $HUB_DIR).  any-output: what
# the block shows is not compared.
#
# For each command the script calls two functions of the shell that
# runs it (tests/ex.sh defines them):
#
#	ex LOCATION ANY		with what the command prints on stdin
#	ex_run			with the command on stdin
#
# so that a command can set variables and change directory for the next
# ones, as a reader's shell would.
use strict;
use warnings;
use Getopt::Std;

# Returns 1 if the shell text cmd is a whole command.
sub complete {
	my ($cmd) = @_;
	return 0 if $cmd =~ /(\\|\||&&)\s*$/;
	open(my $sh, '|-', 'sh -n 2>/dev/null') or die "sh: $!\n";
	print $sh $cmd, "\n";
	return close($sh) ? 1 : 0;
}

sub unroff {
	my ($s) = @_;
	$s =~ s/\\\(aq/'/g;
	$s =~ s/\\&//g;
	$s =~ s/\\-/-/g;
	$s =~ s/\\e/\\/g;
	return $s;
}

sub quote {
	my ($s) = @_;
	$s =~ s/'/'\\''/g;
	return "'$s'";
}

# The text of a line with the replacements of map made; counts their use.
my %used;
sub replace {
	my ($l, $map) = @_;
	my $re = join('|', map { quotemeta }
	    sort { length($b) <=> length($a) } keys %$map);
	$l =~ s/($re)/$used{$1}++, $map->{$1}/ge if $re ne '';
	return $l;
}

# Reads the commands of one block: lines is a list of [line number, text]
# (the text as shown, replacements not made yet).
sub block {
	my ($file, $lines, $map) = @_;
	my @cmds;	# [line, text, shown]
	for (my $i = 0; $i < @$lines; $i++) {
		my ($at, $l) = @{$lines->[$i]};
		$l = replace($l, $map);
		if ($l =~ /^(?:[a-z]+)?[\$#] (.*)$/) {
			my $cmd = $1;
			while (!complete($cmd) && $i + 1 < @$lines) {
				$cmd .= "\n" . replace($lines->[++$i][1], $map);
			}
			push(@cmds, [$at, $cmd, '']);
		} elsif (@cmds) {
			$cmds[-1][2] .= "$l\n";
		} else {
			die "$file:$at: text before the first command\n";
		}
	}
	return @cmds;
}

my $n = 0;
sub emit {
	my ($file, $any, @cmds) = @_;
	for my $c (@cmds) {
		my ($at, $cmd, $shown) = @$c;
		my $first = (split(/\n/, $cmd))[0];
		$n++;
		print "ex ", quote("$file:$at: \$ $first"), " $any <<'",
		    "_EXPECT_'\n${shown}_EXPECT_\n";
		print "ex_run <<'_CMD_'\n$cmd\n_CMD_\n";
	}
}

# The man pages' marked blocks.
sub man {
	my ($page) = @_;
	open(my $fh, '<', $page) or die "$page: $!\n";
	my @lines = <$fh>;
	close($fh);
	chomp(@lines);
	for (my $i = 0; $i < @lines; $i++) {
		next unless $lines[$i] =~ /^\.\\"\s*test\b(.*)$/;
		my @opts = split(' ', $1);
		die "$page:" . ($i + 1) . ": no .Bd -literal after the " .
		    "test comment\n" unless ($lines[$i + 1] // '') =~
		    /^\.Bd -literal/;
		my $any = grep { $_ eq 'any-output' } @opts;
		my %map = map { split(/=/, $_, 2) } grep { /=/ } @opts;
		my @block;
		for ($i += 2; $i < @lines && $lines[$i] ne '.Ed'; $i++) {
			push(@block, [$i + 1, unroff($lines[$i])]);
		}
		emit($page, $any, block($page, \@block, \%map));
	}
}

# The section of a text file: its indented lines, a block each run of
# them (blank lines do not end a run; a line of text does).
sub text {
	my ($file, $section, $subst) = @_;
	my %map;
	if (defined($subst)) {
		open(my $fh, '<', $subst) or die "$subst: $!\n";
		while (my $l = <$fh>) {
			chomp($l);
			next if $l eq '';
			my ($from, $to) = split(/\t/, $l, 2);
			die "$subst:$.: no tab between TEXT and " .
			    "REPLACEMENT\n" unless defined($to);
			$map{$from} = $to;
		}
		close($fh);
	}
	open(my $fh, '<', $file) or die "$file: $!\n";
	my @lines = <$fh>;
	close($fh);
	chomp(@lines);
	my $title = sub {
		my ($i) = @_;
		return $i + 1 < @lines && $lines[$i] ne '' &&
		    $lines[$i + 1] =~ /^(-+|=+)$/;
	};
	my $i = 0;
	$i++ while $i < @lines && !($lines[$i] eq $section && $title->($i));
	die "$file: no section \"$section\"\n" if $i >= @lines;
	my @block;
	for ($i += 2; $i < @lines && !$title->($i); $i++) {
		if ($lines[$i] =~ /^ {4}(.*)$/) {
			push(@block, [$i + 1, $1]);
		} elsif ($lines[$i] ne '') {
			emit($file, 0, block($file, \@block, \%map)) if @block;
			@block = ();
		}
	}
	emit($file, 0, block($file, \@block, \%map)) if @block;
	for my $from (sort keys %map) {
		die "$file: \"$from\" ($subst) is nowhere in section " .
		    "\"$section\"\n" unless $used{$from};
	}
}

my %opt;
getopts('r:s:', \%opt) or die "usage: manex.pl [-s section [-r file]] " .
    "file...\n";
print "# Generated by tests/manex.pl from @ARGV.\n";
if (defined($opt{s})) {
	text($_, $opt{s}, $opt{r}) for @ARGV;
} else {
	man($_) for @ARGV;
}
print "# $n commands\n";
