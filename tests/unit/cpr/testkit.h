/*
 * testkit.h — file helpers for the adapter tests (cpr, debtor): temp dirs,
 * dropping a file into a spool the way a producer must (temp name, then
 * rename), reading a file back. They abort on a failure of the test
 * machinery itself (not of the code under test).
 */
#ifndef STAFET_TEST_TESTKIT_H
#define STAFET_TEST_TESTKIT_H

#include <stddef.h>

/* A fresh directory under $TMPDIR or /tmp named after tag; out: 256 bytes. */
void testkit_tempdir(char *out, const char *tag);
/* Removes a directory tree: 0 or -1. */
int testkit_rmrf(const char *dir);
/* Writes dir/.name.part, then renames it to dir/name. */
void testkit_drop(const char *dir, const char *name, const char *text);
/* The whole of dir/name (NUL-terminated, caller frees), or NULL if missing. */
char *testkit_slurp(const char *dir, const char *name);
/* 1 if dir/name exists. */
int testkit_exists(const char *dir, const char *name);

#endif
