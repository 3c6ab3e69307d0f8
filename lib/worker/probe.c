#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "duration.h"
#include "probe.h"

static const struct {
	const char	*name;
	const char	*opt;
} probe_opts[] = {
	{ "go",		"version" },
	{ "java",	"-version" },
	{ "javac",	"-version" },
};

static int
valid_word(const char *s, const char *extra)
{
	if (!isalnum((unsigned char)*s) && (*s != '-' || extra == NULL))
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr(extra != NULL ? extra : "._+-", *s) == NULL)
			return 0;
	return 1;
}

int
probe_parse(const char *item, struct probe *p, struct bb_error *err)
{
	const char *colon;
	size_t n, i;

	memset(p, 0, sizeof(*p));
	colon = strchr(item, ':');
	n = colon != NULL ? (size_t)(colon - item) : strlen(item);
	if (n == 0 || n > PROBE_NAMEMAX)
		goto bad;
	memcpy(p->name, item, n);
	if (!valid_word(p->name, NULL))
		goto bad;
	if (colon != NULL) {
		if (strlcpy(p->opt, colon + 1, sizeof(p->opt)) >=
		    sizeof(p->opt) || !valid_word(p->opt, "-_=."))
			goto bad;
		return 0;
	}
	(void)strlcpy(p->opt, "--version", sizeof(p->opt));
	for (i = 0; i < nitems(probe_opts); i++)
		if (strcmp(p->name, probe_opts[i].name) == 0)
			(void)strlcpy(p->opt, probe_opts[i].opt,
			    sizeof(p->opt));
	return 0;
bad:
	bb_error_set(err, EX_USAGE, "bad tool \"%.*s\": NAME or NAME:OPTION "
	    "expected", PROBE_NAMEMAX + PROBE_OPTMAX, item);
	return -1;
}

/* Finds p->name in the absolute directories of search. */
static int
find(struct probe *p, const char *search, struct bb_error *err)
{
	const char *d = search;
	struct stat st;
	size_t n;
	int len;

	for (; *d != '\0'; d += n + (d[n] == ':')) {
		n = strcspn(d, ":");
		if (n == 0 || d[0] != '/')
			continue;
		len = snprintf(p->path, sizeof(p->path), "%.*s/%s", (int)n, d,
		    p->name);
		if (len < 0 || (size_t)len >= sizeof(p->path))
			continue;
		if (stat(p->path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(p->path, X_OK) == 0)
			return 0;
	}
	p->path[0] = '\0';
	bb_error_set(err, EX_UNAVAILABLE, "%s: not found", p->name);
	return -1;
}

/* The child: never returns. */
static void __dead
child(const struct probe *p, const char *search, int out, int null)
{
	char env_path[PATH_MAX + 8];
	char *argv[3], *envp[3];

	(void)setpgid(0, 0);
	(void)signal(SIGPIPE, SIG_DFL);
	if (dup2(null, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(127);
	closefrom(3);
	(void)snprintf(env_path, sizeof(env_path), "PATH=%s", search);
	argv[0] = (char *)p->name;
	argv[1] = (char *)p->opt;
	argv[2] = NULL;
	envp[0] = env_path;
	envp[1] = (char *)"LC_ALL=C";
	envp[2] = NULL;
	execve(p->path, argv, envp);
	_exit(127);
}

int
probe_run(struct probe *p, const char *search, long timeout_ms,
    struct bb_error *err)
{
	char out[PROBE_OUTMAX];
	struct pollfd pfd;
	long long deadline;
	size_t len = 0;
	int fd[2] = { -1, -1 }, null = -1, status, late = 0, r, rv = -1;
	pid_t pid = -1;
	ssize_t n;

	p->version[0] = '\0';
	if (search == NULL)
		search = PROBE_PATH;
	if (timeout_ms <= 0)
		timeout_ms = PROBE_TIMEOUT_MS;
	if (find(p, search, err) == -1)
		return -1;
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(fd, O_CLOEXEC) == -1) {
		bb_error_errno(err, EX_OSERR, "%s", p->path);
		goto out;
	}
	if ((pid = fork()) == -1) {
		bb_error_errno(err, EX_OSERR, "fork for %s", p->path);
		goto out;
	}
	if (pid == 0)
		child(p, search, fd[1], null);
	/* The group exists before anything is sent to it. */
	(void)setpgid(pid, pid);
	close(fd[1]);
	fd[1] = -1;
	deadline = duration_now_ms() + timeout_ms;
	pfd.fd = fd[0];
	pfd.events = POLLIN;
	while (len < sizeof(out) - 1) {
		long long left = deadline - duration_now_ms();

		if (left <= 0) {
			late = 1;
			break;
		}
		if ((r = poll(&pfd, 1, (int)left)) == -1 && errno != EINTR) {
			bb_error_errno(err, EX_OSERR, "poll");
			goto out;
		}
		if (r <= 0)
			continue;
		if ((n = read(fd[0], out + len, sizeof(out) - 1 - len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			bb_error_errno(err, EX_OSERR, "read from %s", p->path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	if (late)
		bb_error_set(err, EX_UNAVAILABLE, "%s %s: no answer within "
		    "%ld ms", p->path, p->opt, timeout_ms);
	else if (probe_version(out, len, p->version, sizeof(p->version)) ==
	    -1)
		bb_error_set(err, EX_UNAVAILABLE, "%s %s: no version in its "
		    "output", p->path, p->opt);
	else
		rv = 0;
out:
	if (pid > 0) {
		/* Not reaped yet, so the group cannot be someone else's. */
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	if (fd[0] != -1)
		close(fd[0]);
	if (fd[1] != -1)
		close(fd[1]);
	if (null != -1)
		close(null);
	return rv;
}

/*
 * The version that starts in word w (of n bytes), after any letters,
 * quotes or a "v": digits, then a dot and a digit, then what versions
 * hold.  Returns its length (*start set), or 0.
 */
static size_t
word_version(const char *w, size_t n, const char **start)
{
	size_t i = 0, j;

	while (i < n && !isdigit((unsigned char)w[i]))
		i++;
	j = i;
	while (j < n && isdigit((unsigned char)w[j]))
		j++;
	if (j == i || j + 1 >= n || w[j] != '.' ||
	    !isdigit((unsigned char)w[j + 1]))
		return 0;
	while (j < n && (isalnum((unsigned char)w[j]) ||
	    strchr(".+~_-", w[j]) != NULL))
		j++;
	while (j > i && strchr(".+~_-", w[j - 1]) != NULL)
		j--;
	*start = w + i;
	return j - i;
}

int
probe_version(const char *s, size_t len, char *out, size_t outlen)
{
	const char *e = s + len, *line, *nl, *w, *v, *p, *inside = NULL;
	size_t vn, inside_n = 0, wn;
	int depth, d;

	for (line = s; line < e; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(e - line))) == NULL)
			nl = e;
		depth = 0;
		for (w = line; w < nl; w += wn) {
			if (isspace((unsigned char)*w)) {
				wn = 1;
				continue;
			}
			for (wn = 0; w + wn < nl &&
			    !isspace((unsigned char)w[wn]); wn++)
				;
			if ((vn = word_version(w, wn, &v)) > 0) {
				/* The depth where the version starts. */
				for (d = depth, p = w; p < v; p++)
					d += *p == '(' ? 1 : *p == ')' ? -1 : 0;
				if (d <= 0)
					goto found;
				if (inside == NULL) {
					inside = v;
					inside_n = vn;
				}
			}
			for (p = w; p < w + wn; p++)
				depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
			if (depth < 0)
				depth = 0;
		}
		if (inside != NULL) {
			v = inside;
			vn = inside_n;
			goto found;
		}
		if (nl == e)
			break;
	}
	return -1;
found:
	if (vn >= outlen)
		vn = outlen - 1;
	memcpy(out, v, vn);
	out[vn] = '\0';
	return 0;
}
