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
 * writes one: its FCGI_STDOUT record in one writev, FCGX_Finish_r adding
 * the closing records.  Runs until killed.
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

/* The answer as one FCGI_STDOUT record (the file is at most 64 KiB less
 * the head: checked at the start). */
static int
answer(FCGX_Request *r)
{
	size_t n = head_len + body_len;
	FCGI_Header hd = { FCGI_VERSION_1, FCGI_STDOUT,
		(unsigned char)(r->requestId >> 8), (unsigned char)r->requestId,
		(unsigned char)(n >> 8), (unsigned char)n, 0, 0 };
	struct iovec iov[3] = { { &hd, sizeof(hd) }, { head, head_len },
				{ body, body_len } };
	ssize_t put = writev(r->ipcFd, iov, 3);

	return put == (ssize_t)(sizeof(hd) + n) ? 0 : -1;
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
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > 60000 ||
	    (body = malloc((size_t)st.st_size + 1)) == NULL ||
	    read(fd, body, (size_t)st.st_size) != st.st_size)
		return -1;
	body_len = (size_t)st.st_size;
	close(fd);
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
