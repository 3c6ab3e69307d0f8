/*
 * bb_unveil and bb_pledge: OpenBSD's unveil(2) and pledge(2) for the
 * tools that handle untrusted files, made with Linux Landlock (kernel
 * 5.13 and later).  Where the kernel lacks Landlock they do nothing and
 * succeed, as pledge_noop.c does on other systems: the confinement is a
 * second wall behind the tools' own checks, never the only one.
 */
#ifndef BB_UNVEIL_H
#define BB_UNVEIL_H

#include "compat.h"

/*
 * Lets the process reach path with perms once it is locked (at most 64
 * paths), any of
 * "r" (read a file, list a directory), "w" (write and truncate a file),
 * "c" (make and remove files, directories and links beneath a directory),
 * "d" (remove directories beneath it, and no more) and "x" (execute), for
 * a directory everything beneath it.  A path that
 * does not exist yet is made possible by its directory: "c" and "w" go
 * to the parent.  bb_unveil(NULL, NULL) locks: from then on the process
 * and its children reach only the paths unveiled, plus the system's own
 * files to read (/usr, /lib*, /bin, /sbin, /etc, /dev/null, /dev/urandom,
 * /proc/self, /sys/devices/system/cpu), and the rest of the file system
 * is refused by the kernel (EACCES).  Sets PR_SET_NO_NEW_PRIVS.  Returns
 * 0, or -1 with errno: the path cannot be opened, the list is locked
 * already (EPERM), the kernel refused.  Without Landlock, 0.
 */
int	bb_unveil(const char *, const char *);

/* As bb_unveil, for the directory that holds path ("." for a bare name). */
int	bb_unveil_dir_of(const char *, const char *);

/*
 * Confines the process to the tree at path, for the tools that work on
 * one job's work tree: reads and writes beneath it (bb_unveil "rwc"),
 * nothing else but the system's files, no network (bb_pledge without
 * inet), locked.  Returns 0 or -1 with errno.
 */
int	bb_confine_tree(const char *);

/*
 * Gives up what promises do not name.  Only "inet" is enforced (Landlock
 * ABI 4, Linux 6.7): without it, TCP bind and connect are refused once
 * bb_unveil(NULL, NULL) locks (call it before), or at once after the
 * lock.  execpromises is ignored.  Returns 0, or -1 with errno.
 */
int	bb_pledge(const char *, const char *);

/*
 * The Landlock ABI version of the running kernel, 0 when it has none
 * (or it is turned off).
 */
int	bb_landlock_abi(void);

#endif
