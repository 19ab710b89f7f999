/* SPDX-License-Identifier: ISC */
/*
 * qrsvg.h - a QR code (libqrencode) as a small SVG image, drawn on the
 * server so that the panel's enrolment page needs no script library and
 * no outside service to show an otpauth:// URI to a phone's camera.
 *
 * Promises: the SVG holds nothing of the text but its modules (no text
 * element, no attribute taken from it), so any text is safe to render;
 * error correction level M, a quiet zone of 4 modules (ISO/IEC 18004),
 * black on white whatever the page's colours.
 */
#ifndef HK_QRSVG_H
#define HK_QRSVG_H

#include "err.h"
#include "strbuf.h"

/* The SVG of text's QR code appended to out; -1 with err HK_EINTERNAL
 * (text too long for a QR code, out of memory). */
int qrsvg_render(const char *text, struct strbuf *out, struct hk_err *err);

#endif
