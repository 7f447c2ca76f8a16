/* outfile.c — files written whole or not at all (helby/csv.h): a temporary file beside the
 * target, renamed onto it only when every byte is written, so a full disk, an error or a
 * killed process never leaves a partial report or export, nor removes the older one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helby/csv.h"

helby_status helby_outfile_begin(const char *path, int private_mode, char **tmp, int *fd,
                                 helby_error *err)
{
    *fd = -1;
    *tmp = NULL;
    /* A terminal, pipe or device (-o /dev/stdout, /dev/tty) is not a file: renaming onto it
     * would replace the device's name with a file (as root), or fail in /dev, and microdata
     * must never reach a terminal (docs/exports.md). A symlink to a file is followed. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return helby_error_at(err, HELBY_EINPUT, path, 0, 0, NULL,
                              "not a regular file (a terminal, pipe, device or directory): "
                              "-o takes a file%s",
                              private_mode ? "; microdata is written to files only" : "");
    /* Through a symlink to a file the file is replaced and the link kept: the temporary file
     * goes beside the link's target, and the target follows it in *tmp for the commit. */
    struct stat lb;
    char *real = lstat(path, &lb) == 0 && S_ISLNK(lb.st_mode) ? realpath(path, NULL) : NULL;
    const char *target = real ? real : path;
    size_t tn = strlen(target);
    *tmp = malloc(2 * tn + 9); /* "TARGET.XXXXXX\0TARGET\0" */
    if (!*tmp) {
        free(real);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory writing %s", path);
    }
    sprintf(*tmp, "%s.XXXXXX", target);
    memcpy(*tmp + tn + 8, target, tn + 1);
    free(real);
    *fd = mkstemp(*tmp); /* 0600 from its first byte */
    if (*fd < 0) {
        helby_status s =
            helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return s;
    }
    if (!private_mode) { /* as fopen would make it: 0666 less the umask */
        mode_t um = umask(0);
        umask(um);
        fchmod(*fd, 0666 & ~um);
    }
    return HELBY_OK;
}

helby_status helby_outfile_commit(char *tmp, const char *path, helby_error *err)
{
    helby_status s = HELBY_OK;
    const char *target = tmp + strlen(tmp) + 1; /* path, or the file its symlink names */
    if (rename(tmp, target) != 0) {
        s = helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return s;
}

void helby_outfile_abort(char *tmp)
{
    if (tmp)
        unlink(tmp);
    free(tmp);
}

int helby_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}
