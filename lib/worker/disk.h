/*
 * Free space of a file system, as a worker checks it before it takes a
 * job: bytes available to unprivileged users and free inodes.
 */
#ifndef BB_DISK_H
#define BB_DISK_H

#include <stddef.h>

#include "error.h"

struct disk_free {
	long long	bytes;		/* available to unprivileged users */
	long long	inodes;		/* free inodes; -1: no fixed number
					   (btrfs, ZFS, tmpfs without one) */
};

/*
 * Fills df for the file system that holds path.  Returns 0, or -1
 * (EX_IOERR, naming path).
 */
int	disk_free(const char *, struct disk_free *, struct bb_error *);

/*
 * Checks that the file system of path has at least min_bytes available
 * and at least min_inodes free inodes (when it counts them).  Returns 1
 * when it has, 0 when it has not with a sentence saying so in why ("512M
 * free under /var/bb, at least 1.0G wanted"), or -1 (EX_IOERR).
 */
int	disk_check(const char *, long long min_bytes, long long min_inodes,
	    char *why, size_t, struct bb_error *);

/* Writes n bytes as people read them ("1.0G", "512M", "100B"). */
void	disk_format(long long, char *, size_t);

#endif
