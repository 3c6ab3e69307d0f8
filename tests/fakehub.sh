# A hub that answers canned records, for the tests of bb-connect and
# bb-claim: nginx on 127.0.0.1 with a port chosen at run time, over http
# or https with a CA made at test time.  Source it after tests/lib.sh.
#
#   fakehub_start NAME [tls] < LOCATIONS    nginx location blocks
#     sets FAKEHUB (the base URL) and FAKEHUB_LOG (one line a request:
#     METHOD URI STATUS auth=AUTHORIZATION lease=BB-LEASE body=BODY, the
#     body only when a location proxies it; @PORT@ in LOCATIONS is the
#     server's own port)
#   fakehub_ca                               makes a CA ($T/ca.pem) and a
#                                            certificate for 127.0.0.1
#                                            ($T/srv.pem, $T/srv.key)
#   freeport                                 prints a free port
# shellcheck shell=sh disable=SC2034

freeport() {
	if [ -x "${BB_BUILD:-}/tests/tools/freeport" ]; then
		"$BB_BUILD/tests/tools/freeport"
		return
	fi
	perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
	    Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0,
	    Proto => "tcp")->sockport, "\n"'
}

# A CA and a certificate for 127.0.0.1 and localhost signed by it.
fakehub_ca() {
	[ -f "$T/ca.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
	    -subj "/CN=bb test CA" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/srv.key" -out "$T/srv.csr" -subj "/CN=127.0.0.1" \
	    2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$T/srv.ext" &&
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" \
	    -CAkey "$T/ca.key" -CAcreateserial -out "$T/srv.pem" -days 2 \
	    -extfile "$T/srv.ext" 2>/dev/null &&
	chmod 600 "$T/ca.key" "$T/srv.key"
}

fakehub_start() {
	_fh=$T/nginx-$1
	_scheme=http
	_ssl=
	mkdir -p "$_fh"
	cat > "$_fh/locations"
	if [ "${2:-}" = tls ]; then
		fakehub_ca || return 1
		_scheme=https
		_ssl="ssl; ssl_certificate $T/srv.pem;
		    ssl_certificate_key $T/srv.key;
		    ssl_protocols TLSv1.2 TLSv1.3"
	fi
	for _try in 1 2 3; do
		_port=$(freeport)
		cat > "$_fh/nginx.conf" <<-EOF
		daemon off;
		master_process off;
		worker_processes 1;
		pid $_fh/nginx.pid;
		error_log $_fh/error.log;
		events { worker_connections 64; }
		http {
			log_format bb '\$request_method \$request_uri \$status auth=\$http_authorization lease=\$http_bb_lease body=\$request_body';
			access_log $_fh/access.log bb;
			client_body_temp_path $_fh/body;
			proxy_temp_path $_fh/proxy;
			fastcgi_temp_path $_fh/fastcgi;
			uwsgi_temp_path $_fh/uwsgi;
			scgi_temp_path $_fh/scgi;
			default_type text/plain;
			server {
				listen 127.0.0.1:$_port $_ssl;
				$(cat "$_fh/locations")
				location / { return 404 "error status=404 reason=not-found\n"; }
			}
		}
		EOF
		sed "s/@PORT@/$_port/g" "$_fh/nginx.conf" > "$_fh/conf.tmp" &&
		    mv "$_fh/conf.tmp" "$_fh/nginx.conf"
		: > "$_fh/access.log"
		nginx -p "$_fh" -c "$_fh/nginx.conf" -e "$_fh/error.log" \
		    2>>"$_fh/error.log" &
		_pid=$!
		cleanup "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
		_deadline=$(($(date +%s) + 20))
		_up=1
		while kill -0 "$_pid" 2>/dev/null; do
			if curl -sk -o /dev/null "$_scheme://127.0.0.1:$_port/"
			then
				_up=0
				break
			fi
			[ "$(date +%s)" -lt "$_deadline" ] || break
			sleep 0.05
		done
		if [ "$_up" = 0 ]; then
			FAKEHUB=$_scheme://127.0.0.1:$_port
			FAKEHUB_LOG=$_fh/access.log
			FAKEHUB_PID=$_pid
			return 0
		fi
		kill "$_pid" 2>/dev/null
	done
	diag "nginx did not start: $(cat "$_fh/error.log")"
	return 1
}

# blackhole: a server on 127.0.0.1 that accepts connections and never
# answers; sets BLACKHOLE (its URL) and BLACKHOLE_LOG (a line "accepted"
# for each connection).
blackhole() {
	BLACKHOLE_LOG=$T/blackhole.log
	: > "$BLACKHOLE_LOG"
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(Listen => 16, Proto => "tcp",
		LocalAddr => "127.0.0.1", LocalPort => 0) or die "listen: $!";
	    open(my $f, ">>", $ARGV[0]) or die "$ARGV[0]: $!";
	    $f->autoflush(1);
	    print $f "port ", $s->sockport, "\n";
	    my @keep;
	    while (my $c = $s->accept) { push @keep, $c; print $f "accepted\n"; }
	' "$BLACKHOLE_LOG" &
	_bh=$!
	cleanup "kill $_bh 2>/dev/null; wait $_bh 2>/dev/null"
	wait_for 20 grep -q '^port ' "$BLACKHOLE_LOG" || return 1
	BLACKHOLE=http://127.0.0.1:$(sed -n 's/^port //p' "$BLACKHOLE_LOG")
}

# fakehub_wait PATTERN N: waits until the access log has N lines that
# match PATTERN (nginx logs a request after it answered it).
fakehub_wait() {
	wait_for 20 sh -c "[ \$(grep -c -- '$1' '$FAKEHUB_LOG') -ge $2 ]"
}
