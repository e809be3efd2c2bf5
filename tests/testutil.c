/* testutil.c — helpers shared by the criterion tests (see testutil.h). */
#include "testutil.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the environment */

const char *tu_env(const char *name)
{
    const char *v = getenv(name);
    cr_assert_not_null(v, "%s must be set", name);
    return v;
}

const char *tu_bin(void) { return tu_env("MZ_BIN"); }

const char *tu_data_path(const char *rel, char *buf, size_t size)
{
    return tu_path(tu_env("MZATLAS_DATA"), rel, buf, size);
}

const char *tu_fixture_path(const char *rel, char *buf, size_t size)
{
    return tu_path(tu_env("MZ_FIXTURES"), rel, buf, size);
}

/* ---------------------------------------------------------------- paths and directories */

const char *tu_path(const char *dir, const char *rel, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", dir, rel);
    return buf;
}

void tu_workdir_make(char *dir, size_t size, const char *tag)
{
    int n = snprintf(dir, size, "/tmp/mz-test-%s-XXXXXX", tag);
    cr_assert(n > 0 && (size_t)n < size, "work directory name too long for its buffer");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
}

int tu_workdir_drop(char *dir)
{
    int rc = 0;
    if (dir[0])
        rc = tu_rm_tree(dir);
    dir[0] = '\0';
    return rc;
}

int tu_rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char sub[4096];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                tu_rm_tree(sub);
            }
            closedir(d);
        }
        return rmdir(path);
    }
    return unlink(path);
}

bool tu_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

void tu_list_dir(const char *dir, char *buf, size_t size)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    size_t o = 0;
    buf[0] = '\0';
    cr_assert(n >= 0, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..") && o < size)
            o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? " " : "", names[i]->d_name);
        free(names[i]);
    }
    free(names);
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* ---------------------------------------------------------------- files */

char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            s = realloc(s, cap);
            cr_assert_not_null(s);
        }
    }
    cr_assert(!ferror(f), "reading %s failed", path);
    fclose(f);
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

void tu_write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n, "writing %s failed", path);
    cr_assert_eq(fclose(f), 0, "writing %s failed", path);
}

void tu_write_file(const char *path, const char *text)
{
    tu_write_bytes(path, text, strlen(text));
}

void tu_write_filef(const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tu_write_bytes(path, s, (size_t)n);
    free(s);
}

/* ---------------------------------------------------------------- running the binary */

/* Exit codes of the child when it fails before the binary runs (the binary itself uses 0-4). */
enum { TU_EXIT_REDIRECT = 120, TU_EXIT_CHDIR = 121, TU_EXIT_EXEC = 122 };

tu_result_t tu_run(const char *cwd, const char *const *args)
{
    char iodir[64], out[128], err[128];
    tu_workdir_make(iodir, sizeof iodir, "io");
    tu_path(iodir, "stdout", out, sizeof out);
    tu_path(iodir, "stderr", err, sizeof err);
    const char *argv[128];
    size_t n = 0;
    argv[n++] = tu_bin();
    for (size_t i = 0; args[i]; i++) {
        cr_assert(n < sizeof argv / sizeof argv[0] - 1, "too many arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(TU_EXIT_REDIRECT);
        if (cwd && chdir(cwd) != 0)
            _exit(TU_EXIT_CHDIR);
        execv(argv[0], (char *const *)argv);
        _exit(TU_EXIT_EXEC);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "mzatlas did not exit normally (signal %d)",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    tu_result_t r;
    r.code = WEXITSTATUS(status);
    cr_assert(r.code < TU_EXIT_REDIRECT, "exec failed (%d)", r.code);
    r.out = tu_slurp(out, NULL);
    r.err = tu_slurp(err, NULL);
    cr_assert(r.out && r.err);
    tu_workdir_drop(iodir);
    return r;
}

void tu_result_free(tu_result_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

size_t tu_split_words(char *s, const char **words, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        cr_assert(n < max, "too many words");
        words[n++] = w;
    }
    return n;
}
