/* SPDX-License-Identifier: ISC */
/*
 * fcgi_bytes.c - a FastCGI responder with nothing behind it: every
 * request is answered 200 with one file's bytes, read once at the start.
 * bench/api.sh passes a page of the API's to it through the same nginx:
 * what nginx, FastCGI and the bytes of that answer cost when the answer
 * costs nothing to make, the most any worker could serve it at.
 *
 *   fcgi_bytes SOCKET FILE THREADS
 *
 * libfcgi's own threaded loop (each thread accepts a connection and
 * serves it until nginx closes it: THREADS must be at least the
 * connections nginx keeps), and the answer written as hakomail-fcgi
 * writes one, in one writev with its end.  Runs until SIGKILLed
 * (libfcgi takes SIGTERM for itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

static int sock;
static char head[128];
static size_t head_len;
static char *body;
static size_t body_len;

/* The answer as hakomail-fcgi's put_answer() writes it: its
 * FCGI_STDOUT record (the file is at most 60,000 bytes: checked at the
 * start), the empty one and the FCGI_END_REQUEST in one writev, once the
 * request's input is read to its end; the streams then marked closed,
 * so that FCGX_Finish_r adds nothing. */
static int
answer(FCGX_Request *r)
{
	size_t n = head_len + body_len;
	unsigned char b1 = (unsigned char)(r->requestId >> 8);
	unsigned char b0 = (unsigned char)r->requestId;
	FCGI_Header hd = { FCGI_VERSION_1, FCGI_STDOUT, b1, b0,
			   (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };
	FCGI_Header eof = { FCGI_VERSION_1, FCGI_STDOUT, b1, b0, 0, 0, 0, 0 };
	FCGI_EndRequestRecord end = {
		{ FCGI_VERSION_1, FCGI_END_REQUEST, b1, b0, 0, 8, 0, 0 },
		{ 0, 0, 0, 0, FCGI_REQUEST_COMPLETE, { 0, 0, 0 } } };
	struct iovec iov[5] = { { &hd, sizeof(hd) }, { head, head_len },
				{ body, body_len }, { &eof, sizeof(eof) },
				{ &end, sizeof(end) } };
	ssize_t put;

	while (FCGX_GetChar(r->in) != EOF)
		;
	put = writev(r->ipcFd, iov, 5);
	r->out->wasFCloseCalled = r->out->isClosed = 1;
	r->err->wasFCloseCalled = r->err->isClosed = 1;
	return put == (ssize_t)(sizeof(hd) + n + sizeof(eof) + sizeof(end)) ?
	    0 : -1;
}

static void *
serve(void *arg)
{
	FCGX_Request r;

	(void)arg;
	FCGX_InitRequest(&r, sock, 0);
	while (FCGX_Accept_r(&r) >= 0)
		if (answer(&r) < 0)
			r.keepConnection = 0;
	return NULL;
}

static int
read_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY), ok;

	ok = fd >= 0 && fstat(fd, &st) == 0 && st.st_size <= 60000 &&
	    (body = malloc((size_t)st.st_size + 1)) != NULL &&
	    read(fd, body, (size_t)st.st_size) == st.st_size;
	if (fd >= 0)
		close(fd);
	if (!ok)
		return -1;
	body_len = (size_t)st.st_size;
	head_len = (size_t)snprintf(head, sizeof(head), "Status: 200 OK\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: %zu\r\n\r\n", body_len);
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_t th;
	int n;

	if (argc != 4 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: fcgi_bytes SOCKET FILE THREADS\n");
		return 2;
	}
	if (read_file(argv[2]) < 0) {
		fprintf(stderr, "fcgi_bytes: %s: unreadable, or over 60000 "
			"bytes\n", argv[2]);
		return 1;
	}
	if (FCGX_Init() != 0 || (sock = FCGX_OpenSocket(argv[1], 128)) < 0 ||
	    chmod(argv[1], 0666) < 0) {
		fprintf(stderr, "fcgi_bytes: cannot listen on %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < n; i++)
		if ((errno = pthread_create(&th, NULL, serve, NULL)) != 0) {
			perror("fcgi_bytes: pthread_create");
			return 1;
		}
	for (;;)
		pause();
}
