/* SPDX-License-Identifier: ISC */
/*
 * qrsvg.c - a QR code as SVG: one path of unit squares, one per dark
 * module, in a viewBox of the code's width plus the quiet zone (the
 * image scales to whatever size the page gives it).  See qrsvg.h.
 */
#include "config.h"

#include <errno.h>

#include <qrencode.h>

#include "qrsvg.h"

#define QUIET	4	/* modules of white around the code */

static int
draw(const QRcode *qr, struct strbuf *out)
{
	int side = qr->width + 2 * QUIET;

	if (strbuf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			  "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\""
			  "><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
			  "<path fill=\"#000\" d=\"", side, side, side,
			  side) < 0)
		return -1;
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			/* bit 0 of each module says whether it is dark */
			if ((qr->data[y * qr->width + x] & 1) &&
			    strbuf_printf(out, "M%d %dh1v1h-1z", x + QUIET,
					  y + QUIET) < 0)
				return -1;
	return strbuf_puts(out, "\"/></svg>");
}

int
qrsvg_render(const char *text, struct strbuf *out, struct hk_err *err)
{
	QRcode *qr;
	int rc;

	/* the texts are the panel's own (an otpauth URI): one too long for
	 * a QR code is a fault of the panel's, not of a user's input */
	errno = 0;
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (qr == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "QR code: %s",
			       errno == ERANGE ? "text too long" :
			       "out of memory");
	rc = draw(qr, out);
	QRcode_free(qr);
	if (rc < 0)
		return hk_fail(err, HK_EINTERNAL, NULL, "QR code: too large");
	return 0;
}
