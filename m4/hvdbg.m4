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

# _HVDBG_KERNEL_OK(DIR): DIR looks like a configured kernel build tree.
m4_define([_HVDBG_KERNEL_OK],
  [test -f "$1/Makefile" && test -r "$1/include/generated/utsrelease.h"])

# HVDBG_CHECK_KERNEL: where to build kmod/hvdbg.ko, which is optional.
# --with-kernel=DIR names a kernel build tree (one with the kbuild
# Makefile and include/generated/utsrelease.h); by default the running
# kernel's /lib/modules/VERSION/build, else Debian's
# /usr/src/linux-headers-VERSION for a kernel installed in /lib/modules
# (the newest one); --without-kernel, or none found, builds no module.
AC_DEFUN([HVDBG_CHECK_KERNEL], [
  AC_ARG_WITH([kernel],
    [AS_HELP_STRING([--with-kernel=DIR],
      [build kmod/hvdbg.ko against the kernel build tree DIR (default:
       /lib/modules/`uname -r`/build, else /usr/src/linux-headers-VERSION
       of an installed kernel; --without-kernel: no module)])],
    [], [with_kernel=check])
  KERNEL_DIR=
  KERNEL_RELEASE=
  AS_CASE([$with_kernel],
    [no], [],
    [check|yes], [
      AC_MSG_CHECKING([for a kernel build tree])
      hvdbg_kd=/lib/modules/`uname -r`/build
      AS_IF([_HVDBG_KERNEL_OK([$hvdbg_kd])], [KERNEL_DIR=$hvdbg_kd], [
        for hvdbg_kv in `ls /lib/modules 2>/dev/null | sort -rV`; do
          hvdbg_kd=/usr/src/linux-headers-$hvdbg_kv
          AS_IF([_HVDBG_KERNEL_OK([$hvdbg_kd])],
                [KERNEL_DIR=$hvdbg_kd; break])
        done])
      AS_IF([test -n "$KERNEL_DIR"], [AC_MSG_RESULT([$KERNEL_DIR])],
            [AC_MSG_RESULT([none])
             AS_IF([test "x$with_kernel" = xyes],
               [AC_MSG_ERROR([--with-kernel: no kernel build tree found; dnl
install linux-headers-amd64 or give --with-kernel=DIR])])])],
    [
      AC_MSG_CHECKING([for the kernel build tree $with_kernel])
      AS_IF([_HVDBG_KERNEL_OK([$with_kernel])], [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no])
         AC_MSG_ERROR([--with-kernel=$with_kernel: not a kernel build tree dnl
(no Makefile or include/generated/utsrelease.h)])])
      KERNEL_DIR=`cd "$with_kernel" && pwd`])
  AS_IF([test -n "$KERNEL_DIR"], [
    KERNEL_RELEASE=`sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
      "$KERNEL_DIR/include/generated/utsrelease.h"`
    AS_IF([grep -q '^CONFIG_X86_64=y' "$KERNEL_DIR/.config" 2>/dev/null ||
           grep -q '^#define CONFIG_X86_64 1' \
             "$KERNEL_DIR/include/generated/autoconf.h" 2>/dev/null], [],
      [AS_IF([test "x$with_kernel" = xcheck],
         [AC_MSG_WARN([$KERNEL_DIR is not an x86-64 kernel; no module])
          KERNEL_DIR=; KERNEL_RELEASE=],
         [AC_MSG_ERROR([$KERNEL_DIR is not an x86-64 kernel])])])])
  AC_SUBST([KERNEL_DIR])
  AC_SUBST([KERNEL_RELEASE])
  AM_CONDITIONAL([HVDBG_KMOD], [test -n "$KERNEL_DIR"])
])
