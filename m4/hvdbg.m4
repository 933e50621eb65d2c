# hvdbg.m4 - project-specific configure checks.

# AX_PTHREAD_SIMPLE: find the flags for POSIX threads (glibc: -pthread).
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  AC_CACHE_CHECK([for -pthread], [hvdbg_cv_pthread], [
    save_CFLAGS="$CFLAGS"; CFLAGS="$CFLAGS -pthread"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>]],
                                    [[pthread_create(0, 0, 0, 0);]])],
                   [hvdbg_cv_pthread=yes], [hvdbg_cv_pthread=no])
    CFLAGS="$save_CFLAGS"])
  AS_IF([test "x$hvdbg_cv_pthread" != xyes],
        [AC_MSG_ERROR([POSIX threads are required])])
  PTHREAD_CFLAGS=-pthread
  PTHREAD_LIBS=-pthread
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])

# HVDBG_CHECK_READLINE: GNU readline for the console (required).
AC_DEFUN([HVDBG_CHECK_READLINE], [
  AC_CHECK_HEADERS([readline/readline.h], [],
    [AC_MSG_ERROR([GNU readline headers not found; install libreadline-dev])])
  save_LIBS="$LIBS"
  AC_SEARCH_LIBS([readline], [readline], [],
    [AC_MSG_ERROR([GNU readline not found; install libreadline-dev])])
  READLINE_LIBS="$LIBS"
  LIBS="$save_LIBS"
  AS_IF([test "x$READLINE_LIBS" = "x$save_LIBS"], [READLINE_LIBS=""],
        [READLINE_LIBS="-lreadline"])
  AC_SUBST([READLINE_LIBS])
])
