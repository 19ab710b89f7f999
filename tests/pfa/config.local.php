<?php
// SPDX-License-Identifier: ISC
// config.local.php - the private PostfixAdmin configuration mkdb.sh puts
// beside its private copy of Debian's config.inc.php (which loads it last,
// so these settings win).  The database comes from $PFA_URL and the hash
// scheme from $PFA_ENCRYPT, so one file serves every backend and scheme.

$pfa_url = getenv('PFA_URL');
if ($pfa_url === false || $pfa_url === '') {
    fwrite(STDERR, "config.local.php: PFA_URL is not set\n");
    exit(2);
}
if (strncmp($pfa_url, 'sqlite:', 7) === 0) {
    $CONF['database_type'] = 'sqlite';
    $CONF['database_name'] = substr($pfa_url, 7);
} else {
    $u = parse_url($pfa_url);
    $kinds = array('postgresql' => 'pgsql', 'postgres' => 'pgsql',
                   'mysql' => 'mysql', 'mariadb' => 'mysql');
    if ($u === false || !isset($u['scheme'], $u['host'], $u['path'])
        || !isset($kinds[$u['scheme']])) {
        fwrite(STDERR, "config.local.php: not a database URL: $pfa_url\n");
        exit(2);
    }
    $CONF['database_type'] = $kinds[$u['scheme']];
    $CONF['database_host'] = $u['host'];
    $CONF['database_port'] = isset($u['port']) ? (string)$u['port']
        : ($CONF['database_type'] == 'pgsql' ? '5432' : '3306');
    $CONF['database_user'] = rawurldecode($u['user'] ?? '');
    $CONF['database_password'] = rawurldecode($u['pass'] ?? '');
    $CONF['database_name'] = rawurldecode(ltrim($u['path'], '/'));
    $CONF['database_socket'] = '';   // TCP, never Debian's default socket
}

$CONF['configured'] = true;
$CONF['encrypt'] = getenv('PFA_ENCRYPT') ?: 'md5crypt';
$CONF['dovecotpw'] = '/usr/bin/doveadm pw';

// Quotas and domain quotas editable (mailbox quota in MB, stored in bytes
// times quota_multiplier: Debian's 1024000 kept).
$CONF['quota'] = 'YES';
$CONF['domain_quota'] = 'YES';

// Vacation on, so VacationHandler adds its goto to the autoreply domain.
$CONF['vacation'] = 'YES';
$CONF['vacation_domain'] = 'autoreply.pfa.example';

// Loopback only: no DNS look-up of alias targets, no welcome mail.
$CONF['emailcheck_resolve_domain'] = 'NO';
$CONF['smtp_server'] = '127.0.0.1';
$CONF['default_aliases'] = array(
    'abuse' => 'abuse@elsewhere.example',
    'postmaster' => 'postmaster@elsewhere.example',
);
