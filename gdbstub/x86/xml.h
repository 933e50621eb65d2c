/*
 * The x86-64 target description files, embedded by the build: make
 * turns each .xml file of gdbstub/x86 into a string in x86-xml.c (a generated
 * file in the build tree).  target.xml comes first, as the API requires.
 */
#ifndef GDBSTUB_X86_XML_H
#define GDBSTUB_X86_XML_H

#include "gdbstub/gdbstub.h"

/* Files listed in gdbstub/Makefile.am; checked when x86-xml.c builds. */
#define X86_64_NXML	5

extern const struct gdbstub_xml_file gdbstub_x86_64_xml[X86_64_NXML];

#endif
