/* test_settings.c: notes.conf and the environment: precedence, errors with lines, masking. */
#include "cunit_run.h"
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

/* Writes text to a fresh temporary file whose name is left in path. */
static void
write_conf(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/test_settings.XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static void
clear_env(void)
{
    for (int i = 0; i < SET__MAX; i++)
        unsetenv(settings_table[i].env);
}

/* Loads path (or no file) and expects failure with err containing want. */
static void
expect_error(const char *file, const char *want)
{
    struct settings s;
    char err[256] = "";

    CU_ASSERT_FALSE(settings_load(&s, file, err, sizeof(err)));
    if (strstr(err, want) == NULL)
        fprintf(stderr, "\nerror \"%s\" does not contain \"%s\"\n", err, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    settings_free(&s);
}

static void
test_defaults(void)
{
    struct settings s;
    char err[256];

    clear_env();
    CU_ASSERT_TRUE_FATAL(settings_load(&s, NULL, err, sizeof(err)));
    CU_ASSERT_EQUAL(settings_number(&s, SET_MAX_BODY, 0), 65536);
    CU_ASSERT_EQUAL(settings_number(&s, SET_PORT, 0), 8002);
    CU_ASSERT_EQUAL(settings_number(&s, SET_WORKERS, 7), 7); /* "" = the caller's fallback */
    CU_ASSERT_STRING_EQUAL(settings_text(&s, SET_DATABASE_URL), "");
    for (int i = 0; i < SET__MAX; i++)
        CU_ASSERT_EQUAL(s.origin[i], ORIGIN_DEFAULT);
    settings_free(&s);
}

/* The file overrides the default; the environment overrides the file; "" in it is unset. */
static void
test_precedence(void)
{
    struct settings s;
    char err[256];

    clear_env();
    write_conf("# a comment\n\n   max_body = 1000\r\nport=9000\nbind = \"127.0.0.1\"\n"
               "  # indented comment\nworkers = 3\n");
    setenv("NOTES_MAX_BODY", "2000", 1);
    setenv("WORKERS", "", 1);
    CU_ASSERT_TRUE_FATAL(settings_load(&s, path, err, sizeof(err)));
    CU_ASSERT_EQUAL(settings_number(&s, SET_MAX_BODY, 0), 2000);
    CU_ASSERT_EQUAL(s.origin[SET_MAX_BODY], ORIGIN_ENV);
    CU_ASSERT_EQUAL(settings_number(&s, SET_PORT, 0), 9000);
    CU_ASSERT_EQUAL(s.origin[SET_PORT], ORIGIN_FILE);
    CU_ASSERT_EQUAL(s.line[SET_PORT], 4);
    CU_ASSERT_STRING_EQUAL(settings_text(&s, SET_BIND), "127.0.0.1");
    CU_ASSERT_EQUAL(settings_number(&s, SET_WORKERS, 0), 3);
    CU_ASSERT_EQUAL(s.origin[SET_WORKERS], ORIGIN_FILE);
    CU_ASSERT_EQUAL(s.origin[SET_NGINX_WORKERS], ORIGIN_DEFAULT);

    FILE *out = tmpfile();
    char text[4096] = "";
    settings_print(&s, out);
    rewind(out);
    CU_ASSERT(fread(text, 1, sizeof(text) - 1, out) > 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "max_body = 2000    # environment NOTES_MAX_BODY\n"));
    char want[128];
    snprintf(want, sizeof(want), "port = 9000    # file %s:4\n", path);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "nginx_workers = 1    # default\n"));
    settings_free(&s);
    unlink(path);
    clear_env();
}

static void
test_file_errors(void)
{
    clear_env();
    write_conf("port = 8002\n\nbogus = 1\n");
    char want[128];
    snprintf(want, sizeof(want), "%s:3: unknown setting \"bogus\"", path);
    expect_error(path, want);
    unlink(path);

    write_conf("# max\nmax_body = lots\n");
    snprintf(want, sizeof(want), "%s:2: max_body = lots: expected a whole number from 1 to", path);
    expect_error(path, want);
    unlink(path);

    write_conf("port = 0\n");
    expect_error(path, ":1: port = 0: expected a whole number from 1 to 65535");
    unlink(path);

    write_conf("distcheck = yes\n");
    expect_error(path, ":1: distcheck = yes: expected one of 0|1");
    unlink(path);

    write_conf("port 8002\n");
    expect_error(path, ":1: expected `key = value`");
    unlink(path);

    write_conf("port = 1\nworkers = 2\nport = 3\n");
    expect_error(path, ":3: port is already set on line 1");
    unlink(path);

    expect_error("/nonexistent/notes.conf", "/nonexistent/notes.conf: cannot read");
}

static void
test_env_errors(void)
{
    clear_env();
    setenv("WORKERS", "zero", 1);
    expect_error(NULL, "WORKERS=zero: expected a whole number from 1 to 1024");
    clear_env();
    setenv("NOTES_STATEMENT_TIMEOUT_MS", "-5", 1);
    expect_error(NULL, "NOTES_STATEMENT_TIMEOUT_MS=-5: expected a whole number");
    clear_env();
}

static void
test_masking(void)
{
    static const struct {
        const char *url, *shown;
    } cases[] = {
        {"postgresql://notes:s3cret@db:5432/notes", "postgresql://notes:***@db:5432/notes"},
        {"postgresql://notes@db/notes", "postgresql://notes@db/notes"},
        {"host=db user=notes password=s3cret dbname=notes",
         "host=db user=notes password=*** dbname=notes"},
        {"postgresql:///notes?host=/run&password=x&sslmode=off",
         "postgresql:///notes?host=/run&password=***&sslmode=off"},
        {"postgresql://u:p@h/d?password=q", "postgresql://u:***@h/d?password=***"},
    };
    struct settings s;
    char err[256], shown[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clear_env();
        setenv("DATABASE_URL", cases[i].url, 1);
        CU_ASSERT_TRUE_FATAL(settings_load(&s, NULL, err, sizeof(err)));
        settings_masked(&s, SET_DATABASE_URL, shown, sizeof(shown));
        CU_ASSERT_STRING_EQUAL(shown, cases[i].shown);
        CU_ASSERT_STRING_EQUAL(settings_text(&s, SET_DATABASE_URL), cases[i].url);
        settings_free(&s);
    }
    clear_env();
}

/* The shell form keeps any value intact, quotes included. */
static void
test_shell(void)
{
    struct settings s;
    char err[256], text[4096] = "";

    clear_env();
    setenv("DATABASE_URL", "password='a b'$x", 1);
    CU_ASSERT_TRUE_FATAL(settings_load(&s, NULL, err, sizeof(err)));
    FILE *out = tmpfile();
    settings_print_shell(&s, out);
    rewind(out);
    CU_ASSERT(fread(text, 1, sizeof(text) - 1, out) > 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "DATABASE_URL='password='\\''a b'\\''$x'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "PORT='8002'\n"));
    settings_free(&s);
    clear_env();
}

int
main(void)
{
    static const struct test_case cases[] = {
        {"defaults", test_defaults},
        {"file, then environment", test_precedence},
        {"file errors name the line", test_file_errors},
        {"environment errors name the variable", test_env_errors},
        {"passwords are masked", test_masking},
        {"shell assignments", test_shell},
        {NULL, NULL},
    };
    return cunit_run("settings", cases);
}
