/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing an XML document with libxml2's xmlTextWriter into memory, the way
 * vshim writes domain XML: two-space indentation and single quotes.  Every
 * xmlTextWriter call returns a negative value on failure; the helpers fold
 * them into `failed`, so a writer is a straight list of calls with one check
 * at the end (vs_xmlw_finish).
 */
#pragma once

#include <stdbool.h>

#include <libxml/xmlwriter.h>

#include "common/error.h"

struct vs_xmlw {
	xmlTextWriterPtr w;
	xmlBufferPtr buf;
	bool failed;
};

/* Opens a writer into memory; ENOMEM when libxml2 cannot allocate one. */
int vs_xmlw_init(struct vs_xmlw *x, struct vs_error **err);

/*
 * Flushes and frees the writer: its text (owned by the caller), or NULL
 * when any call failed.
 */
char *vs_xmlw_finish(struct vs_xmlw *x);

/* Frees a writer that is abandoned before vs_xmlw_finish(). */
void vs_xmlw_discard(struct vs_xmlw *x);

void vs_xmlw_ok(struct vs_xmlw *x, int rc);
void vs_xmlw_start(struct vs_xmlw *x, const char *name);
void vs_xmlw_end(struct vs_xmlw *x);
/* <name/> */
void vs_xmlw_empty(struct vs_xmlw *x, const char *name);
/* Nothing is written for a NULL value. */
void vs_xmlw_attr(struct vs_xmlw *x, const char *name, const char *value);
/* <name>text</name>; nothing for a NULL text. */
void vs_xmlw_text_element(struct vs_xmlw *x, const char *name, const char *text);
/* Text content of the element being written. */
void vs_xmlw_text(struct vs_xmlw *x, const char *text);
