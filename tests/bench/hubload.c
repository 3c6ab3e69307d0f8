/*
 * hubload: load for bb-hub's benchmark (tests/bench/bb-hub.sh).
 *
 *	hubload url idle-token bench-token admin-token source pid nidle njobs
 *
 * Parks nidle long-polling claims of a worker whose capabilities match no
 * job, then measures with them parked: the hub's RSS (pid), how many
 * claims a second a few busy workers get from njobs queued jobs, and the
 * time from a submit to the answer reaching a parked claim.
 */
#include <sys/resource.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define BUSY	8	/* claimers at once */
#define ROUNDS	20	/* submit-to-answer samples */
#define MAXJOBS	100000
#define NREPORTS 4000	/* events batches */

struct load {
	const char	*url;
	const char	*idle;
	const char	*bench;
	const char	*admin;
	const char	*source;
	const char	*pid;
	long		 nidle;
	long		 njobs;
	struct curl_slist *hidle, *hbench, *hadmin;
};

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static size_t
keep(char *p, size_t size, size_t n, void *arg)
{
	char *b = arg;
	size_t len = strlen(b), add = size * n;

	if (len + add >= 4096)
		add = 4095 - len;
	memcpy(b + len, p, add);
	b[len + add] = '\0';
	return size * n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static CURL *
easy(const char *url, struct curl_slist *h, const char *body, char *out)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		errx(EX_OSERR, "curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, out ? keep : discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	return c;
}

static long
status(CURL *c)
{
	long code = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

/* One blocking request; returns its status, the body in out (4096). */
static long
request(const struct load *l, const char *path, struct curl_slist *h,
    const char *body, char *out)
{
	char url[1024];
	CURL *c;
	long code;

	(void)snprintf(url, sizeof(url), "%s%s", l->url, path);
	out[0] = '\0';
	c = easy(url, h, body, out);
	if (curl_easy_perform(c) != CURLE_OK)
		code = 0;
	else
		code = status(c);
	curl_easy_cleanup(c);
	return code;
}

static long
parked(const struct load *l)
{
	char b[4096], *p;

	if (request(l, "/metrics", l->hadmin, NULL, b) != 200 ||
	    (p = strstr(b, "\nbb_hub_claims_parked ")) == NULL)
		return -1;
	return strtol(p + 22, NULL, 10);
}

static long
rss_kb(const char *pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(fp);
	return kb;
}

static void
submit(const struct load *l)
{
	char body[256], out[4096];

	(void)snprintf(body, sizeof(body), "submit source=%s\n"
	    "recipe require=bench\nstep name=b cmd=true\n", l->source);
	if (request(l, "/v1/admin/jobs", l->hadmin, body, out) != 201)
		errx(EX_SOFTWARE, "submit: %s", out);
}

/*
 * Drives m for a while (at most 100 ms of waiting).  Returns a handle
 * that is done, NULL if none is, and puts how many run in *running.
 */
static CURL *
step(CURLM *m, int *running)
{
	CURLMsg *msg;
	int left;

	curl_multi_perform(m, running);
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			return msg->easy_handle;
	curl_multi_poll(m, NULL, 0, 100, NULL);
	curl_multi_perform(m, running);
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			return msg->easy_handle;
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct load l;
	struct rlimit rl;
	char url[1024], auth[256], b[4096];
	CURL **idle, *c, *busy[BUSY], *done;
	CURLM *mi, *mb;
	const char *errstr;
	double t0, t1, lat[ROUNDS], tmp;
	static struct {
		long	id, seq;
		char	lease[40];
		char	leasehdr[64];
	} jobs[MAXJOBS];
	static char out[BUSY][4096], evurl[BUSY][1024], evbody[BUSY][256];
	struct curl_slist *hev[BUSY];
	long rss0, rss1, i, j, k, claims = 0, nev;
	char *o;
	int running;

	if (argc != 9)
		errx(EX_USAGE, "usage: hubload url idle-token bench-token "
		    "admin-token source pid nidle njobs");
	l.url = argv[1];
	l.idle = argv[2];
	l.bench = argv[3];
	l.admin = argv[4];
	l.source = argv[5];
	l.pid = argv[6];
	l.nidle = strtonum(argv[7], 0, 100000, &errstr);
	if (errstr != NULL)
		errx(EX_USAGE, "nidle %s: %s", argv[7], errstr);
	l.njobs = strtonum(argv[8], 1, 1000000, &errstr);
	if (errstr != NULL)
		errx(EX_USAGE, "njobs %s: %s", argv[8], errstr);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", l.idle);
	l.hidle = curl_slist_append(NULL, auth);
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", l.bench);
	l.hbench = curl_slist_append(NULL, auth);
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", l.admin);
	l.hadmin = curl_slist_append(NULL, auth);

	rss0 = rss_kb(l.pid);
	/* The idle workers: long polls that nothing will answer. */
	if ((idle = calloc(l.nidle + 1, sizeof(*idle))) == NULL)
		err(EX_OSERR, NULL);
	mi = curl_multi_init();
	curl_multi_setopt(mi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	(void)snprintf(url, sizeof(url), "%s/v1/claim?wait=600", l.url);
	t0 = now();
	for (i = 0; i < l.nidle; i++) {
		idle[i] = easy(url, l.hidle, "", NULL);
		curl_easy_setopt(idle[i], CURLOPT_FRESH_CONNECT, 1L);
		curl_multi_add_handle(mi, idle[i]);
	}
	while (parked(&l) < l.nidle) {
		for (i = 0; i < 10; i++)
			if (step(mi, &running) != NULL)
				errx(EX_SOFTWARE, "an idle claim ended");
		if (now() - t0 > 120)
			errx(EX_SOFTWARE, "only %ld of %ld claims parked",
			    parked(&l), l.nidle);
	}
	t1 = now();
	rss1 = rss_kb(l.pid);
	printf("parked %ld idle long polls in %.2f s\n", l.nidle, t1 - t0);
	printf("hub RSS: %ld KiB before, %ld KiB with them parked "
	    "(%.1f KiB each)\n", rss0, rss1,
	    l.nidle ? (double)(rss1 - rss0) / l.nidle : 0.0);

	/* Claims a second, from njobs queued jobs, with them parked. */
	for (i = 0; i < l.njobs; i++)
		submit(&l);
	mb = curl_multi_init();
	(void)snprintf(url, sizeof(url), "%s/v1/claim?wait=0", l.url);
	for (i = 0; i < BUSY; i++) {
		out[i][0] = '\0';
		busy[i] = easy(url, l.hbench, "", out[i]);
		curl_easy_setopt(busy[i], CURLOPT_PRIVATE, out[i]);
		curl_multi_add_handle(mb, busy[i]);
	}
	t0 = now();
	for (;;) {
		if ((done = step(mb, &running)) == NULL) {
			if (running == 0)
				break;
			continue;
		}
		curl_multi_remove_handle(mb, done);
		if (status(done) != 200)
			continue;	/* the queue is empty: this one stops */
		curl_easy_getinfo(done, CURLINFO_PRIVATE, &o);
		if (claims < MAXJOBS && sscanf(o, "job id=%ld lease=%32s",
		    &jobs[claims].id, jobs[claims].lease) != 2)
			errx(EX_SOFTWARE, "claim: %s", o);
		o[0] = '\0';
		claims++;
		curl_multi_add_handle(mb, done);
	}
	t1 = now();
	printf("claims: %ld in %.2f s = %.0f claims/s (%d workers claiming, "
	    "%ld parked)\n", claims, t1 - t0, claims / (t1 - t0), BUSY,
	    l.nidle);
	for (i = 0; i < BUSY; i++) {
		curl_multi_remove_handle(mb, busy[i]);
		curl_easy_cleanup(busy[i]);
	}
	if (claims != l.njobs)
		errx(EX_SOFTWARE, "%ld claims of %ld jobs", claims, l.njobs);

	/* Reports a second: one record a batch, BUSY at once. */
	for (k = 0; k < claims && k < MAXJOBS; k++)
		(void)snprintf(jobs[k].leasehdr, sizeof(jobs[k].leasehdr),
		    "Bb-Lease: %s", jobs[k].lease);
	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    l.bench);
	running = 0;
	t0 = now();
	nev = 0;
	for (i = 0; i < BUSY; i++)
		busy[i] = NULL;
	for (j = 0; j < NREPORTS || running > 0; ) {
		for (i = 0; i < BUSY && j < NREPORTS; i++) {
			if (busy[i] != NULL)
				continue;
			k = j % (claims < MAXJOBS ? claims : MAXJOBS);
			(void)snprintf(evurl[i], sizeof(evurl[i]),
			    "%s/v1/jobs/%ld/events", l.url, jobs[k].id);
			(void)snprintf(evbody[i], sizeof(evbody[i]),
			    "log step=b fd=1 t=1.000 data=line%%20%ld%%0A "
			    "seq=%ld\n", j, ++jobs[k].seq);
			hev[i] = curl_slist_append(curl_slist_append(NULL,
			    auth), jobs[k].leasehdr);
			busy[i] = easy(evurl[i], hev[i], evbody[i], NULL);
			curl_easy_setopt(busy[i], CURLOPT_PRIVATE, (char *)i);
			curl_multi_add_handle(mb, busy[i]);
			j++;
		}
		if ((done = step(mb, &running)) == NULL)
			continue;
		curl_easy_getinfo(done, CURLINFO_PRIVATE, &o);
		i = (long)o;
		if (status(done) != 200)
			errx(EX_SOFTWARE, "events: %ld", status(done));
		nev++;
		curl_multi_remove_handle(mb, done);
		curl_easy_cleanup(done);
		curl_slist_free_all(hev[i]);
		busy[i] = NULL;
		running = 0;
		for (k = 0; k < BUSY; k++)
			running += busy[k] != NULL;
	}
	t1 = now();
	printf("reports: %ld batches in %.2f s = %.0f batches/s (%d workers "
	    "reporting)\n", nev, t1 - t0, nev / (t1 - t0), BUSY);

	/* Submit to the answer at a parked claim. */
	(void)snprintf(url, sizeof(url), "%s/v1/claim?wait=60", l.url);
	for (j = 0; j < ROUNDS; j++) {
		c = easy(url, l.hbench, "", b);
		b[0] = '\0';
		curl_multi_add_handle(mb, c);
		while (parked(&l) < l.nidle + 1)
			(void)step(mb, &running);
		t0 = now();
		submit(&l);
		while ((done = step(mb, &running)) == NULL)
			;
		lat[j] = (now() - t0) * 1000;
		if (status(c) != 200)
			errx(EX_SOFTWARE, "parked claim: %ld", status(c));
		curl_multi_remove_handle(mb, c);
		curl_easy_cleanup(c);
	}
	for (i = 0; i < ROUNDS; i++)
		for (j = i + 1; j < ROUNDS; j++)
			if (lat[j] < lat[i]) {
				tmp = lat[i];
				lat[i] = lat[j];
				lat[j] = tmp;
			}
	printf("submit to the answer at a parked claim (%ld others parked): "
	    "median %.1f ms, max %.1f ms (%d runs)\n", l.nidle,
	    lat[ROUNDS / 2], lat[ROUNDS - 1], ROUNDS);
	printf("hub RSS at the end: %ld KiB\n", rss_kb(l.pid));

	for (i = 0; i < l.nidle; i++) {
		curl_multi_remove_handle(mi, idle[i]);
		curl_easy_cleanup(idle[i]);
	}
	free(idle);
	curl_multi_cleanup(mi);
	curl_multi_cleanup(mb);
	curl_slist_free_all(l.hidle);
	curl_slist_free_all(l.hbench);
	curl_slist_free_all(l.hadmin);
	curl_global_cleanup();
	return 0;
}
