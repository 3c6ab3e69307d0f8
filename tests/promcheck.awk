# Checks Prometheus text (exposition format 0.0.4) on standard input by
# the format's rules, as promtool check metrics would, for machines
# without promtool: HELP and TYPE once a family, both there and before
# its samples; metric and label names; label values quoted with only
# \\, \" and \n escaped; values as numbers; a family's samples together
# and each sample once; counters named *_total; histograms with _bucket
# samples whose le bounds rise and whose counts are cumulative up to
# le="+Inf", and _sum and _count, _count equal to the +Inf bucket.
# Prints one line per fault and exits 1 if there is any.
#
#	awk -f tests/promcheck.awk < metrics.txt

function bad(msg) {
	printf "line %d: %s: %s\n", NR, msg, $0
	faults++
}

# Splits the labels in s (without braces) into lab[] (name -> value) and
# order[1..n]; returns n, or -1 when malformed.
function labels(s,    n, name, v, c, i) {
	delete lab
	n = 0
	while (s != "") {
		if (!match(s, /^[a-zA-Z_][a-zA-Z0-9_]*="/))
			return -1
		name = substr(s, 1, RLENGTH - 2)
		s = substr(s, RLENGTH + 1)
		v = ""
		for (i = 1; ; i++) {
			c = substr(s, i, 1)
			if (c == "")
				return -1
			if (c == "\"")
				break
			if (c == "\\") {
				c = substr(s, ++i, 1)
				if (c != "\\" && c != "\"" && c != "n")
					return -1
				v = v "\\" c
				continue
			}
			v = v c
		}
		s = substr(s, i + 1)
		if (name in lab || name ~ /^__/)
			return -1
		lab[name] = v
		order[++n] = name
		if (s == "")
			break
		if (substr(s, 1, 1) != ",")
			return -1
		s = substr(s, 2)
	}
	return n
}

function number(v) {
	return v ~ /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/ ||
	    v ~ /^([+-]Inf|NaN)$/
}

function bound(v) {
	return v == "+Inf" ? "inf" : v + 0
}

BEGIN {
	NAME = "^[a-zA-Z_:][a-zA-Z0-9_:]*$"
	faults = 0
	cur = ""
}

/^# HELP / {
	if ($3 !~ NAME)
		bad("bad metric name")
	if ($3 in help)
		bad("HELP twice for " $3)
	if ($3 in sampled)
		bad("HELP after the samples of " $3)
	help[$3] = 1
	next
}

/^# TYPE / {
	if ($3 !~ NAME)
		bad("bad metric name")
	if (NF != 4 || $4 !~ /^(counter|gauge|histogram|summary|untyped)$/)
		bad("bad TYPE")
	if ($3 in type)
		bad("TYPE twice for " $3)
	if ($3 in sampled)
		bad("TYPE after the samples of " $3)
	type[$3] = $4
	next
}

/^#/ || /^[ \t]*$/ { next }

{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) {
		bad("bad metric name")
		next
	}
	name = substr(line, 1, RLENGTH)
	line = substr(line, RLENGTH + 1)
	n = 0
	delete lab
	if (substr(line, 1, 1) == "{") {
		# The labels end at the last "}" before the value.
		end = 0
		for (i = length(line); i > 1; i--)
			if (substr(line, i, 1) == "}") {
				end = i
				break
			}
		if (end == 0 || (n = labels(substr(line, 2, end - 2))) < 0) {
			bad("bad labels")
			next
		}
		line = substr(line, end + 1)
	}
	if (line !~ /^ [^ ]+( -?[0-9]+)?$/) {
		bad("expected one space, a value and maybe a time stamp")
		next
	}
	split(substr(line, 2), fld, " ")
	value = fld[1]
	if (!number(value))
		bad("bad value")

	# The family of the sample.
	fam = name
	suffix = ""
	if (!(name in type) && match(name, /_(bucket|sum|count)$/)) {
		fam = substr(name, 1, RSTART - 1)
		suffix = substr(name, RSTART + 1)
	}
	if (!(fam in type)) {
		bad("no TYPE for " name)
		next
	}
	if (fam != cur) {
		if (fam in sampled)
			bad("the samples of " fam " are not together")
		cur = fam
	}
	sampled[fam] = 1

	key = name
	series = fam
	for (i = 1; i <= n; i++) {
		key = key "," order[i] "=" lab[order[i]]
		if (order[i] != "le")
			series = series "," order[i] "=" lab[order[i]]
	}
	if (key in seen)
		bad("a second sample of " key)
	seen[key] = 1

	t = type[fam]
	if (t == "counter" && name !~ /_total$/)
		bad("a counter's name ends in _total")
	if ((t == "counter" || t == "gauge") && suffix != "")
		bad("a " t " has no _" suffix)
	if (t == "histogram") {
		if (suffix == "") {
			bad("a histogram has _bucket, _sum and _count only")
			next
		}
		hseries[series] = 1
		if (suffix == "bucket") {
			if (!("le" in lab)) {
				bad("a bucket without le")
				next
			}
			if (series in inf)
				bad("a bucket after le=\"+Inf\"")
			b = bound(lab["le"])
			if (b != "inf" && !number(lab["le"]))
				bad("bad le")
			if (series in lastle && b != "inf" &&
			    b <= lastle[series])
				bad("le does not rise")
			if (series in lastn && value + 0 < lastn[series])
				bad("bucket counts are not cumulative")
			lastle[series] = b
			lastn[series] = value + 0
			if (b == "inf")
				inf[series] = value + 0
		} else if ("le" in lab)
			bad("le on _" suffix)
		else if (suffix == "count")
			count[series] = value + 0
		else
			sum[series] = 1
	}
}

END {
	for (fm in type)
		if (!(fm in help)) {
			printf "%s: no HELP\n", fm
			faults++
		}
	for (s in hseries) {
		if (!(s in inf))
			printf "histogram %s: no le=\"+Inf\" bucket\n", s
		else if (!(s in count))
			printf "histogram %s: no _count\n", s
		else if (count[s] != inf[s])
			printf "histogram %s: _count %s is not the +Inf " \
			    "bucket %s\n", s, count[s], inf[s]
		if (!(s in sum))
			printf "histogram %s: no _sum\n", s
		if (!(s in inf) || !(s in count) || !(s in sum) ||
		    count[s] != inf[s])
			faults++
	}
	exit faults > 0
}
