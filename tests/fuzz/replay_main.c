/*
 * replay_main.c: a main() for a fuzz target built without libFuzzer (gcc, `make check`): runs
 * LLVMFuzzerTestOneInput on every file of the target's seed corpus and regression directory,
 * tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME under $top_srcdir, or on the files
 * and directories given as arguments. A broken invariant aborts (the test fails); so does
 * finding no input at all, which would make the test vacuous.
 */
#include "fuzz_check.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET_NAME
#error "compile with -DFUZZ_TARGET_NAME=\"fuzz_...\""
#endif

static int replayed;

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 4096, len = 0, n;
    uint8_t *data = malloc(cap);
    while (data != NULL && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(data, cap * 2);
            if (bigger == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (data == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        return 1;
    }
    /* An exact-size copy, as libFuzzer passes it, so a sanitizer build sees overreads. */
    uint8_t *exact = malloc(len > 0 ? len : 1);
    if (exact == NULL) {
        free(data);
        return 1;
    }
    memcpy(exact, data, len);
    free(data);
    fprintf(stderr, "replay %s\n", path);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    replayed++;
    return 0;
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays a file, or every regular file of a directory (in name order). Missing: skipped. */
static int
replay_path(const char *path, int must_exist)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        if (must_exist)
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return must_exist;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);

    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof(*names));
            if (more == NULL)
                abort();
            names = more;
        }
        names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof(*names), compare_names);
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(n);
        snprintf(full, n, "%s/%s", path, names[i]);
        rc |= replay_file(full);
        free(full);
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    int rc = 0;

    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= replay_path(argv[i], 1);
    } else {
        const char *top = getenv("top_srcdir");
        char path[4096];
        if (top == NULL || top[0] == '\0')
            top = ".";
        snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s", top, FUZZ_TARGET_NAME);
        rc |= replay_path(path, 1);
        snprintf(path, sizeof(path), "%s/tests/fuzz/regressions/%s", top, FUZZ_TARGET_NAME);
        rc |= replay_path(path, 0);
    }
    printf("%s: replayed %d inputs, all invariants held\n", FUZZ_TARGET_NAME, replayed);
    if (replayed == 0) {
        fprintf(stderr, "%s: no inputs found\n", FUZZ_TARGET_NAME);
        return 1;
    }
    return rc;
}
