/* SPDX-License-Identifier: Apache-2.0 */
#include "xmlw.h"

#include <errno.h>

#include "util.h"

int vs_xmlw_init(struct vs_xmlw *x, struct vs_error **err)
{
	*x = (struct vs_xmlw){ .buf = xmlBufferCreate() };
	x->w = x->buf != NULL ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
	if (x->w == NULL) {
		xmlBufferFree(x->buf);
		x->buf = NULL;
		return vs_error_code(err, ENOMEM, "cannot create an XML writer");
	}
	vs_xmlw_ok(x, xmlTextWriterSetIndent(x->w, 1));
	vs_xmlw_ok(x, xmlTextWriterSetIndentString(x->w, BAD_CAST "  "));
	vs_xmlw_ok(x, xmlTextWriterSetQuoteChar(x->w, '\''));
	return 0;
}

char *vs_xmlw_finish(struct vs_xmlw *x)
{
	char *text = NULL;

	vs_xmlw_ok(x, xmlTextWriterFlush(x->w));
	xmlFreeTextWriter(x->w);
	x->w = NULL;
	if (!x->failed)
		text = vs_xstrdup((const char *)xmlBufferContent(x->buf));
	xmlBufferFree(x->buf);
	x->buf = NULL;
	return text;
}

void vs_xmlw_discard(struct vs_xmlw *x)
{
	xmlFreeTextWriter(x->w);
	xmlBufferFree(x->buf);
	*x = (struct vs_xmlw){ 0 };
}

void vs_xmlw_ok(struct vs_xmlw *x, int rc)
{
	if (rc < 0)
		x->failed = true;
}

void vs_xmlw_start(struct vs_xmlw *x, const char *name)
{
	vs_xmlw_ok(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

void vs_xmlw_end(struct vs_xmlw *x)
{
	vs_xmlw_ok(x, xmlTextWriterEndElement(x->w));
}

void vs_xmlw_empty(struct vs_xmlw *x, const char *name)
{
	vs_xmlw_start(x, name);
	vs_xmlw_end(x);
}

void vs_xmlw_attr(struct vs_xmlw *x, const char *name, const char *value)
{
	if (value != NULL)
		vs_xmlw_ok(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

void vs_xmlw_text_element(struct vs_xmlw *x, const char *name, const char *text)
{
	if (text != NULL)
		vs_xmlw_ok(x, xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text));
}

void vs_xmlw_text(struct vs_xmlw *x, const char *text)
{
	vs_xmlw_ok(x, xmlTextWriterWriteString(x->w, BAD_CAST text));
}
