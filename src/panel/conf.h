/* SPDX-License-Identifier: ISC */
/*
 * conf.h - hakomail.conf, read by every panel binary through inih.
 *
 * The file is found at -c PATH, else $HAKOMAIL_CONF, else
 * SYSCONFDIR/hakomail/hakomail.conf.  Every key has a default, so the
 * file may be empty, but there must be one: a program run without any
 * would work on a database and sockets nobody chose.  An unknown section
 * or key is an error naming its line, so a typo never silently falls
 * back.
 */
#ifndef HK_CONF_H
#define HK_CONF_H

#include <stdint.h>

#include "dkim_key.h"
#include "err.h"

#define CONF_STR	512
#define CONF_SECRET_MAX	255	/* bytes of a secret read from a file */

/*
 * [ldap]: the directory that checks panel passwords (ldapauth.h).  uri ""
 * is no directory.  Once loaded, a uri is ldaps:// or ldap:// with
 * starttls, and base, ca_file and a filter with exactly one %s are set;
 * bind_dn and bind_password go together or not at all (anonymous search).
 */
struct ldap_conf {
	char uri[CONF_STR];		/* ldaps://HOST[:PORT] or ldap://... */
	int starttls;			/* 1: StartTLS on an ldap:// uri */
	char ca_file[CONF_STR];		/* the CAs that may sign the server */
	char base[CONF_STR];		/* the search base */
	char filter[CONF_STR];		/* "(uid=%s)": %s is the login */
	char bind_dn[CONF_STR];		/* the service account, "": anonymous */
	char bind_password_file[CONF_STR];
	char bind_password[CONF_SECRET_MAX + 1]; /* that file's content */
	int timeout;			/* seconds: connect, and each operation */
};

/*
 * [dkim]: the domains' DKIM keys (store_dkim.h).  key_file "" is none:
 * no key is made or opened.  Once loaded, key holds the file's 64 hex
 * digits as bytes; the file was a regular file (not a symbolic link)
 * with no permission for others and none to write for its group.
 */
struct dkim_conf {
	char key_file[CONF_STR];
	unsigned char key[DKIM_KEY_LEN];	/* the sealing key */
	int rsa_bits;			/* a new RSA key's size by default */
	int retire_days;		/* a retired key's record stays */
};

/*
 * [dns]: how the panel checks the records a domain needs (dnscheck.h)
 * and what goes into them (dnsrecords.h).  resolver "" is the system's
 * (/etc/resolv.conf); else one numeric address, "IP" or "IP@PORT", that
 * every query is forwarded to.  The rua addresses are "" (none) or one
 * canonical address.
 */
struct dns_conf {
	char resolver[CONF_STR];	/* "", "192.0.2.53", "2001:db8::53@5353" */
	int timeout;			/* seconds a whole check may take */
	int check_interval;		/* pushd checks each domain every so
					 * many seconds (0, the default: no) */
	char dmarc_rua[CONF_STR];	/* DMARC aggregate reports to */
	char tlsrpt_rua[CONF_STR];	/* TLS-RPT reports to, "": no record */
};

struct hk_config {
	char path[CONF_STR];		/* the file read, "" if none */
	char db_url[CONF_STR];	/* [database] url */
	char fcgi_socket[CONF_STR];	/* [fcgi] socket */
	int fcgi_workers;		/* [fcgi] workers */
	int fcgi_threads;		/* [fcgi] threads: a worker's */
	int fcgi_socket_mode;		/* [fcgi] socket_mode (octal) */
	char fcgi_socket_group[CONF_STR];/* [fcgi] socket_group */
	char fcgi_user[CONF_STR];	/* [fcgi] user (when started as root) */
	int fcgi_shutdown_timeout;	/* [fcgi] shutdown_timeout (seconds) */
	char wake_socket[CONF_STR];	/* [pushd] wake_socket */
	char ssh_key[CONF_STR];	/* [pushd] ssh_key */
	char pushd_state[CONF_STR];	/* [pushd] state_dir */
	int push_timeout;		/* [pushd] timeout (seconds) */
	int retry_max;			/* [pushd] retry_max (seconds) */
	int push_parallel;		/* [pushd] parallel */
	int push_stagger_ms;		/* [pushd] stagger_ms */
	int check_interval;		/* [pushd] check_interval (s, 0: off) */
	int push_deltas;		/* [pushd] deltas: 1 yes, 0 no */
	int push_served_mb;		/* [pushd] served_cache_mb */
	char pushd_node[CONF_STR];	/* [pushd] node ("": the host name) */
	char pushd_user[CONF_STR];	/* [pushd] user (as root: drops to) */
	int report_interval;		/* [report] interval (s, 0: off) */
	char metrics_allow[CONF_STR];	/* [metrics] allow: addrlist.h */
	int vmail_uid;			/* [mail] vmail_uid */
	int vmail_gid;			/* [mail] vmail_gid */
	char mail_root[CONF_STR];	/* [mail] mail_root */
	int purge_after;		/* [guest] purge_after (days) */
	int move_relay_days;		/* [move] relay_days */
	int move_parallel;		/* [move] parallel: dsyncs at once */
	int pw_min;			/* [password] min_length */
	int pw_max;			/* [password] max_length */
	int session_idle;		/* [session] idle_timeout (seconds) */
	int session_lifetime;		/* [session] lifetime (seconds) */
	int login_free;			/* [session] login_failures */
	int login_free_addr;		/* [session] address_failures */
	int login_max_delay;		/* [session] max_delay (seconds) */
	int require_totp;		/* [auth] require_totp: enum conf_totp */
	int log_json;			/* [log] format: 0 text, 1 json */
	int log_level;			/* [log] level: an enum log_level */
	double warn_disk_percent;	/* [warn] disk_percent */
	double warn_disk_days;		/* [warn] disk_days */
	int warn_queue_deferred;	/* [warn] queue_deferred */
	int warn_queue_age;		/* [warn] queue_age (seconds) */
	double warn_mailbox_percent;	/* [warn] mailbox_percent */
	char warn_mail_to[CONF_STR];	/* [warn] mail_to ("": no mail) */
	char warn_sendmail[CONF_STR];	/* [warn] sendmail */
	struct ldap_conf ldap;		/* [ldap] */
	struct dkim_conf dkim;		/* [dkim] */
	struct dns_conf dns;		/* [dns] */
};

/* Who must sign in with a second factor ([auth] require_totp). */
enum conf_totp { CONF_TOTP_NONE, CONF_TOTP_OPERATORS, CONF_TOTP_ALL };

/* When pushd warns about what a guest reports (store_warn_eval). */
struct warn_limits {
	double disk_percent;	/* mail filesystem used, at or above */
	double disk_days;	/* days to full, at or below */
	int64_t queue_deferred;	/* deferred messages, more than */
	int64_t queue_age_s;	/* oldest deferred, older than */
	double mailbox_percent;	/* a mailbox's quota used, at or above */
};

void conf_defaults(struct hk_config *cfg);

/* path NULL: the default search.  No file at all fails HK_ENOTFOUND
 * (field "config") with a message that says how to give one. */
int conf_load(struct hk_config *cfg, const char *path, struct hk_err *err);

/* log_init(prog, flags) as [log] says (format, level); see log.h. */
/* The [warn] thresholds. */
void conf_warn_limits(const struct hk_config *cfg, struct warn_limits *l);

void conf_log_init(const struct hk_config *cfg, const char *prog,
		   unsigned flags);

#endif
