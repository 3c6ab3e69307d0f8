#!/usr/bin/perl
# Drives a headless Chromium through the DevTools protocol on a pipe
# (--remote-debugging-pipe: commands on its fd 3, answers on its fd 4,
# JSON ended by NUL), for tests that look at a page as a person does.
#
#	perl tests/cdp.pl PROFILE-DIR < COMMANDS
#
# One command a line; the first failing one ends the script with exit 1
# and a message on standard error:
#
#	size W H [mobile]	the viewport, in CSS pixels
#	scheme light|dark	the colour scheme the page is told to prefer
#	header NAME VALUE	a header sent with every request from now on,
#				as Authorization once a browser has asked
#	open URL		load a page and wait for its load event
#	wait SECONDS TEXT	wait until the page's text holds TEXT
#	text FILE		write the page's text (innerText) to FILE
#	html FILE		write the page's DOM as HTML to FILE
#	shot FILE		write a PNG of the whole page to FILE
#	errors FILE		write what the page logged as errors (script
#				errors, refused by its Content-Security-Policy,
#				failed loads) to FILE, one a line
#	sh COMMAND		run a shell command; it must succeed
#
# Chromium runs as the test needs it on a closed machine: headless, no
# sandbox (tests run as root), nothing fetched from the network, a
# fresh profile in PROFILE-DIR.  $CHROMIUM names it (default chromium).
use strict;
use warnings;
use IO::Handle;
use IO::Select;
use JSON::PP;
use MIME::Base64;
use POSIX qw(dup2 _exit);
use Time::HiRes qw(time sleep);

my $profile = shift or die "usage: cdp.pl PROFILE-DIR < COMMANDS\n";
my $chromium = $ENV{CHROMIUM} || 'chromium';
my $json = JSON::PP->new->utf8->canonical;

# The pipes stay open across exec (fds above $^F are closed on exec).
$^F = 255;
pipe(my $cmd_r, my $cmd_w) or die "pipe: $!\n";
pipe(my $ans_r, my $ans_w) or die "pipe: $!\n";
my $pid = fork;
die "fork: $!\n" unless defined $pid;
if ($pid == 0) {
	dup2(fileno($cmd_r), 3) or _exit(127);
	dup2(fileno($ans_w), 4) or _exit(127);
	open(STDOUT, '>', "$profile.log");
	open(STDERR, '>&', \*STDOUT);
	{ exec($chromium, '--headless', '--no-sandbox', '--disable-gpu',
	    '--no-first-run', '--no-default-browser-check',
	    '--disable-background-networking', '--disable-component-update',
	    '--disable-sync', '--disable-extensions',
	    '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio',
	    '--remote-debugging-pipe', "--user-data-dir=$profile",
	    'about:blank') };
	_exit(127);
}
close($cmd_r);
close($ans_w);
$cmd_w->autoflush(1);

my ($id, $session, $inbuf, @events, @errors) = (0, undef, '');

sub quit {
	my ($msg) = @_;
	print STDERR "cdp.pl: $msg\n";
	kill('TERM', $pid);
	waitpid($pid, 0);
	exit 1;
}

# The next message from Chromium, or undef when none came by deadline.
sub receive {
	my ($deadline) = @_;
	my $sel = IO::Select->new($ans_r);
	for (;;) {
		my $i = index($inbuf, "\0");
		if ($i >= 0) {
			my $m = substr($inbuf, 0, $i);
			$inbuf = substr($inbuf, $i + 1);
			return $json->decode($m);
		}
		my $left = $deadline - time;
		return undef if $left <= 0;
		next unless $sel->can_read($left);
		my $n = sysread($ans_r, $inbuf, 1 << 20, length($inbuf));
		quit("chromium went away (see $profile.log)") unless $n;
	}
}

# Notes what the page reports as errors.
sub note {
	my ($m) = @_;
	my $p = $m->{params} || {};
	if ($m->{method} eq 'Runtime.exceptionThrown') {
		my $d = $p->{exceptionDetails} || {};
		push(@errors, 'exception: ' . ($d->{exception}{description} ||
		    $d->{text} || '?'));
	} elsif ($m->{method} eq 'Log.entryAdded' &&
	    $p->{entry}{level} eq 'error') {
		push(@errors, "$p->{entry}{source}: $p->{entry}{text}");
	} elsif ($m->{method} eq 'Runtime.consoleAPICalled' &&
	    $p->{type} eq 'error') {
		push(@errors, 'console: ' . join(' ', map {
		    defined $_->{value} ? $_->{value} : $_->{description} || ''
		} @{$p->{args} || []}));
	}
	push(@events, $m);
}

# Sends a command (to the page once attached) and returns its result.
sub call {
	my ($method, $params, $secs) = @_;
	my %m = (id => ++$id, method => $method, params => $params || {});
	$m{sessionId} = $session if defined $session;
	print $cmd_w $json->encode(\%m), "\0";
	my $deadline = time + ($secs || 30);
	for (;;) {
		my $a = receive($deadline);
		quit("$method: no answer") unless $a;
		if (defined $a->{id} && $a->{id} == $id) {
			quit("$method: $a->{error}{message}") if $a->{error};
			return $a->{result};
		}
		note($a) if $a->{method};
	}
}

# Waits for event name (of the page), at most secs.
sub event {
	my ($name, $secs) = @_;
	my $deadline = time + $secs;
	while (@events) {
		my $e = shift(@events);
		return $e if $e->{method} eq $name;
	}
	for (;;) {
		my $a = receive($deadline);
		quit("no $name in $secs s") unless $a;
		next unless $a->{method};
		note($a);
		pop(@events);
		return $a if $a->{method} eq $name;
	}
}

sub evaluate {
	my ($expr) = @_;
	my $r = call('Runtime.evaluate', { expression => $expr,
	    returnByValue => JSON::PP::true });
	quit("evaluate $expr: $r->{exceptionDetails}{text}")
	    if $r->{exceptionDetails};
	return $r->{result}{value};
}

sub spew {
	my ($file, $data, $raw) = @_;
	open(my $fh, '>', $file) or quit("$file: $!");
	binmode($fh, $raw ? ':raw' : ':encoding(UTF-8)');
	print $fh $data;
	close($fh) or quit("$file: $!");
}

my $t = call('Target.createTarget', { url => 'about:blank' });
$session = call('Target.attachToTarget', { targetId => $t->{targetId},
    flatten => JSON::PP::true })->{sessionId};
call($_) for ('Page.enable', 'Runtime.enable', 'Log.enable',
    'Network.enable');
my ($width, $height, $mobile) = (1280, 800, 0);

sub viewport {
	my ($h) = @_;
	call('Emulation.setDeviceMetricsOverride', { width => $width + 0,
	    height => $h + 0, deviceScaleFactor => 1,
	    mobile => $mobile ? JSON::PP::true : JSON::PP::false });
}

while (my $line = <STDIN>) {
	chomp($line);
	next if $line =~ /^\s*(#|$)/;
	my ($verb, $rest) = split(' ', $line, 2);
	$rest = '' unless defined $rest;
	if ($verb eq 'size') {
		($width, $height, $mobile) = split(' ', $rest);
		$mobile = $mobile ? 1 : 0;
		viewport($height);
	} elsif ($verb eq 'header') {
		my ($name, $value) = split(' ', $rest, 2);
		call('Network.setExtraHTTPHeaders', { headers => {
		    $name => $value } });
	} elsif ($verb eq 'scheme') {
		call('Emulation.setEmulatedMedia', { features => [ {
		    name => 'prefers-color-scheme', value => $rest } ] });
	} elsif ($verb eq 'open') {
		@events = ();
		call('Page.navigate', { url => $rest });
		event('Page.loadEventFired', 30);
	} elsif ($verb eq 'wait') {
		my ($secs, $text) = split(' ', $rest, 2);
		my $deadline = time + $secs;
		for (;;) {
			my $body = evaluate('document.body ? ' .
			    'document.body.innerText : ""');
			last if index($body, $text) >= 0;
			quit("no \"$text\" on the page in $secs s")
			    if time > $deadline;
			# Let events in while waiting.
			my $a = receive(time + 0.2);
			note($a) if $a && $a->{method};
		}
	} elsif ($verb eq 'text') {
		spew($rest, evaluate('document.body.innerText'));
	} elsif ($verb eq 'html') {
		spew($rest, evaluate('document.documentElement.outerHTML'));
	} elsif ($verb eq 'shot') {
		# The whole page: the viewport as tall as the page, then back.
		my $h = evaluate('Math.ceil(document.documentElement.' .
		    'getBoundingClientRect().height)');
		viewport($h > $height ? $h : $height);
		my $png = call('Page.captureScreenshot', { format => 'png' },
		    60)->{data};
		viewport($height);
		spew($rest, decode_base64($png), 1);
	} elsif ($verb eq 'errors') {
		# What came in since the last command.
		while (my $a = receive(time + 0.3)) {
			note($a) if $a->{method};
		}
		spew($rest, join('', map { "$_\n" } @errors));
	} elsif ($verb eq 'sh') {
		system('/bin/sh', '-c', $rest) == 0 or quit("sh $rest: failed");
	} else {
		quit("unknown command: $verb");
	}
}
undef $session;
eval { call("Browser.close", {}, 5) };
waitpid($pid, 0);
exit 0;
