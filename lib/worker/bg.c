#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "bg.h"

struct bg {
	pthread_t	 t;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 wakefd;
	void		(*fn)(void *);
	void		*arg;
	int		 busy;		/* started, return not yet seen */
	int		 returned;	/* fn returned */
	int		 quit;
};

static void *
loop(void *p)
{
	struct bg *bg = p;
	void (*fn)(void *);
	ssize_t n;

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		while (bg->fn == NULL && !bg->quit)
			pthread_cond_wait(&bg->cv, &bg->mu);
		if (bg->fn == NULL)
			break;
		fn = bg->fn;
		pthread_mutex_unlock(&bg->mu);
		fn(bg->arg);
		pthread_mutex_lock(&bg->mu);
		bg->fn = NULL;
		bg->returned = 1;
		do {
			n = write(bg->wakefd, "", 1);
		} while (n == -1 && errno == EINTR);
		pthread_cond_broadcast(&bg->cv);
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

struct bg *
bg_new(int wakefd, struct bb_error *err)
{
	struct bg *bg;
	int e;

	if ((bg = calloc(1, sizeof(*bg))) == NULL) {
		bb_error_errno(err, EX_OSERR, "thread");
		return NULL;
	}
	bg->wakefd = wakefd;
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cv, NULL);
	if ((e = pthread_create(&bg->t, NULL, loop, bg)) != 0) {
		errno = e;
		bb_error_errno(err, EX_OSERR, "thread");
		pthread_cond_destroy(&bg->cv);
		pthread_mutex_destroy(&bg->mu);
		free(bg);
		return NULL;
	}
	return bg;
}

int
bg_start(struct bg *bg, void (*fn)(void *), void *arg, struct bb_error *err)
{
	int rv = -1;

	pthread_mutex_lock(&bg->mu);
	if (bg->busy)
		bb_error_set(err, EX_SOFTWARE, "a call is under way");
	else {
		bg->fn = fn;
		bg->arg = arg;
		bg->busy = 1;
		bg->returned = 0;
		pthread_cond_broadcast(&bg->cv);
		rv = 0;
	}
	pthread_mutex_unlock(&bg->mu);
	return rv;
}

int
bg_busy(struct bg *bg)
{
	int busy;

	pthread_mutex_lock(&bg->mu);
	busy = bg->busy;
	pthread_mutex_unlock(&bg->mu);
	return busy;
}

int
bg_poll(struct bg *bg)
{
	int r = 0;

	pthread_mutex_lock(&bg->mu);
	if (bg->busy && bg->returned) {
		bg->busy = 0;
		r = 1;
	}
	pthread_mutex_unlock(&bg->mu);
	return r;
}

void
bg_free(struct bg *bg)
{
	if (bg == NULL)
		return;
	pthread_mutex_lock(&bg->mu);
	bg->quit = 1;
	pthread_cond_broadcast(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
	pthread_join(bg->t, NULL);
	pthread_cond_destroy(&bg->cv);
	pthread_mutex_destroy(&bg->mu);
	free(bg);
}
