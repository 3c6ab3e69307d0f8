# What a command printed against what its page shows (tests/ex.sh): line
# by line, each "..." in a shown line standing for any text.
#
#	awk -f tests/exmatch.awk SHOWN GOT
function fits(want, got,    n, i, p, at) {
	n = split(want, p, /\.\.\./)
	if (n == 1)
		return want == got
	if (substr(got, 1, length(p[1])) != p[1])
		return 0
	got = substr(got, length(p[1]) + 1)
	for (i = 2; i < n; i++) {
		if ((at = index(got, p[i])) == 0)
			return 0
		got = substr(got, at + length(p[i]))
	}
	return length(got) >= length(p[n]) &&
	    substr(got, length(got) - length(p[n]) + 1) == p[n]
}
NR == FNR { want[++nw] = $0; next }
{ got[++ng] = $0 }
END {
	if (nw != ng)
		exit 1
	for (i = 1; i <= nw; i++)
		if (!fits(want[i], got[i]))
			exit 1
}
