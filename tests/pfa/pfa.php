<?php
// SPDX-License-Identifier: ISC
// pfa.php - mkdb.sh's helper for what postfixadmin-cli has no verb for,
// run with the working directory at mkdb.sh's private PostfixAdmin tree so
// that it loads PostfixAdmin's own common.php (and so the private
// config.local.php: database from $PFA_URL, scheme from $PFA_ENCRYPT).
//
//   php pfa.php createdb               drop (if present) and create the database
//   php pfa.php vacation ADDR SUBJECT BODY FROM UNTIL
//                                      VacationHandler::set_away, as the web form
//   php pfa.php rawmailbox ADDR NAME QUOTA_MB ACTIVE PASSWORD|=STORED
//                                      a mailbox and its self-alias by direct SQL
//                                      (rows PostfixAdmin refuses); PASSWORD is
//                                      hashed by pacrypt(), =STORED stored as is
//   php pfa.php version                the schema version in table config
//   php pfa.php counts                 rows per table, one "TABLE N" a line
//   php pfa.php check MANIFEST         the database holds exactly what MANIFEST
//                                      says, and every password in it verifies
//                                      with doveadm pw -t; differences to stderr
// Exit status 0 on success, 1 on a failure (with PostfixAdmin's words).

define('POSTFIXADMIN_CLI', 1);
require_once getcwd() . '/common.php';

function die_msg(string $msg): void {
    fwrite(STDERR, "pfa.php: $msg\n");
    exit(1);
}

// A database-neutral boolean: pgsql gives 't'/true, the others 1.
function dbbool($v): int {
    return ($v === true || $v === 1 || $v === '1' || $v === 't' || $v === 'true') ? 1 : 0;
}

function cmd_createdb(): void {
    global $CONF;
    $name = $CONF['database_name'];
    if (db_sqlite()) {
        if (file_exists($name) && !unlink($name)) {
            die_msg("cannot remove $name");
        }
        if (!touch($name)) {   // PostfixAdmin wants the file to exist
            die_msg("cannot create $name");
        }
        return;
    }
    if (!preg_match('/^[A-Za-z0-9_]+$/', $name)) {
        die_msg("database name '$name': letters, digits and _ only");
    }
    $host = $CONF['database_host'];
    $port = $CONF['database_port'];
    if (db_pgsql()) {
        $pdo = new PDO("pgsql:dbname=postgres;host=$host;port=$port",
                       $CONF['database_user'], $CONF['database_password'],
                       array(PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION));
        $pdo->exec("DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)");
        $pdo->exec("CREATE DATABASE \"$name\" ENCODING 'UTF8'");
    } else {
        $pdo = new PDO("mysql:host=$host;port=$port",
                       $CONF['database_user'], $CONF['database_password'],
                       array(PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION));
        $pdo->exec("DROP DATABASE IF EXISTS `$name`");
        $pdo->exec("CREATE DATABASE `$name` CHARACTER SET utf8mb4");
    }
}

function cmd_vacation(array $a): void {
    if (count($a) != 5) {
        die_msg('usage: vacation ADDRESS SUBJECT BODY FROM UNTIL');
    }
    $vh = new VacationHandler($a[0]);
    if (!$vh->set_away($a[1], $a[2], 0, $a[3], $a[4])) {
        die_msg("VacationHandler::set_away($a[0]) failed");
    }
}

function cmd_rawmailbox(array $a): void {
    if (count($a) != 5) {
        die_msg('usage: rawmailbox ADDRESS NAME QUOTA_MB ACTIVE PASSWORD|=STORED');
    }
    list($addr, $name, $quota, $active, $pw) = $a;
    list($local, $domain) = explode('@', $addr, 2);
    $stored = ($pw !== '' && $pw[0] === '=') ? substr($pw, 1) : pacrypt($pw);
    $on = db_get_boolean((bool)$active);
    $db = db_connect();
    $db->beginTransaction();
    // As MailboxHandler would write them, had it accepted the address.
    db_insert('mailbox', array(
        'username' => $addr, 'password' => $stored, 'name' => $name,
        'maildir' => "$domain/$local/", 'local_part' => $local,
        'domain' => $domain, 'active' => $on,
        'quota' => (int)$quota * (int)Config::read('quota_multiplier'),
    ), array('created', 'modified'), true);
    db_insert('alias', array(
        'address' => $addr, 'goto' => $addr, 'domain' => $domain, 'active' => $on,
    ), array('created', 'modified'), true);
    $db->commit();
}

function cmd_version(): void {
    $r = db_query_one("SELECT value FROM " . table_by_key('config') . " WHERE name = 'version'");
    if (empty($r)) {
        die_msg('no version in table config');
    }
    echo $r['value'], "\n";
}

const TABLES = array('domain', 'mailbox', 'alias', 'alias_domain', 'admin',
                     'domain_admins', 'vacation', 'config', 'log');

function cmd_counts(): void {
    foreach (TABLES as $t) {
        $r = db_query_one("SELECT COUNT(*) AS n FROM " . table_by_key($t));
        echo "$t $r[n]\n";
    }
}

// doveadm pw -t with the scheme prefix Dovecot needs on bare forms.
function dovecot_form(string $stored): string {
    if (preg_match('/^\{SHA512-CRYPT\.B64\}(.*)$/', $stored, $m)) {
        return '{SHA512-CRYPT}' . base64_decode($m[1], true);
    }
    if ($stored !== '' && $stored[0] === '{') {
        return $stored;
    }
    $bare = array('$1$' => 'MD5-CRYPT', '$5$' => 'SHA256-CRYPT',
                  '$6$' => 'SHA512-CRYPT', '$2y$' => 'BLF-CRYPT');
    foreach ($bare as $magic => $scheme) {
        if (strncmp($stored, $magic, strlen($magic)) === 0) {
            return '{' . $scheme . '}' . $stored;
        }
    }
    if (preg_match('/^[0-9a-f]{32}$/', $stored)) {
        return '{PLAIN-MD5}' . $stored;
    }
    return '{PLAIN}' . $stored;   // cleartext
}

function doveadm_verifies(string $stored, string $pw): bool {
    $cmd = array('/usr/bin/doveadm', 'pw', '-t', dovecot_form($stored), '-p', $pw);
    $p = proc_open($cmd, array(1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes);
    if (!$p) {
        return false;
    }
    stream_get_contents($pipes[1]);
    stream_get_contents($pipes[2]);
    return proc_close($p) === 0;
}

// The stored form matches what the manifest says PostfixAdmin writes.
function stored_form_ok(string $stored, string $pw, string $enc, string $prefix): bool {
    if ($prefix !== '-') {
        return strncmp($stored, $prefix, strlen($prefix)) === 0;
    }
    switch ($enc) {
        case 'md5': return preg_match('/^[0-9a-f]{32}$/', $stored) === 1;
        case 'cleartext': return $stored === $pw;
        default: return true;   // a problem row: checked by its own line
    }
}

function unescape(string $s): string {
    return strtr($s, array('\\\\' => '\\', '\\n' => "\n", '\\t' => "\t"));
}

// A timestamp as "YYYY-MM-DD HH:MM:SS", whatever the backend gives
// (SQLite keeps the "Y-m-d H:i" VacationHandler wrote, PostgreSQL adds a zone).
function date19($v): string {
    $t = strtotime(substr((string)$v, 0, 19));
    return $t === false ? (string)$v : date('Y-m-d H:i:s', $t);
}

// Every row of the tables the manifest describes, keyed like its lines.
function db_rows(): array {
    $rows = array();
    $t = 'table_by_key';
    foreach (db_query_all("SELECT * FROM " . $t('domain') . " WHERE domain <> 'ALL'") as $r) {
        $rows["domain\t$r[domain]"] = array(dbbool($r['active']), dbbool($r['backupmx']),
            $r['mailboxes'], $r['aliases'], $r['maxquota'], $r['quota']);
    }
    foreach (db_query_all("SELECT * FROM " . $t('mailbox')) as $r) {
        $rows["mailbox\t$r[username]"] = array('password' => $r['password'],
            'active' => dbbool($r['active']), 'name' => $r['name'], 'quota' => $r['quota']);
    }
    foreach (db_query_all("SELECT * FROM " . $t('alias')) as $r) {
        $rows["alias\t$r[address]"] = array($r['goto'], dbbool($r['active']));
    }
    foreach (db_query_all("SELECT * FROM " . $t('alias_domain')) as $r) {
        $rows["aliasdomain\t$r[alias_domain]"] = array($r['target_domain'], dbbool($r['active']));
    }
    $doms = array();
    foreach (db_query_all("SELECT * FROM " . $t('domain_admins') . " ORDER BY domain") as $r) {
        $doms[$r['username']][] = $r['domain'];
    }
    foreach (db_query_all("SELECT * FROM " . $t('admin')) as $r) {
        $rows["admin\t$r[username]"] = array('password' => $r['password'],
            'superadmin' => dbbool($r['superadmin']),
            'domains' => implode(',', $doms[$r['username']] ?? array()));
    }
    foreach (db_query_all("SELECT * FROM " . $t('vacation')) as $r) {
        $rows["vacation\t$r[email]"] = array($r['subject'], $r['body'], dbbool($r['active']),
            date19($r['activefrom']), date19($r['activeuntil']));
    }
    return $rows;
}

// One manifest line against its row; returns what differs, '' if nothing.
function check_line(array $f, $row): string {
    $k = $f[0];
    if ($row === null) {
        return 'not in the database';
    }
    if ($k == 'domain' || $k == 'alias' || $k == 'aliasdomain' || $k == 'vacation') {
        $want = array_slice($f, 2);
        if ($k == 'vacation') {
            $want[1] = unescape($want[1]);
        }
        $got = array_map('strval', $row);
        return $want === $got ? '' : 'database has ' . json_encode($got, JSON_UNESCAPED_UNICODE);
    }
    if ($k == 'mailbox') {
        list(, , $pw, $enc, $prefix, $active, $name, $quota) = $f;
        $got = array_map('strval', array($row['active'], $row['name'], $row['quota']));
        if (array($active, $name, $quota) !== $got) {
            return 'database has ' . json_encode($got, JSON_UNESCAPED_UNICODE);
        }
        if (!stored_form_ok($row['password'], $pw, $enc, $prefix)) {
            return "stored password '$row[password]' is not of the form $enc writes ($prefix)";
        }
    } else {   // admin
        list(, , $pw, $enc, $super, $domains) = $f;
        // A superadmin's domain_admins row of domain ALL: PostgreSQL's
        // foreign key to table domain refuses it (AdminHandler ignores that).
        $dom = $row['domains'];
        if ($row['superadmin'] && $dom === '' && db_pgsql()) {
            $dom = 'ALL';
        }
        if ($row['superadmin'] != $super || $dom !== $domains) {
            return "database has superadmin $row[superadmin], domains $row[domains]";
        }
    }
    if ($pw !== '-' && !doveadm_verifies($row['password'], $pw)) {
        return "doveadm pw -t does not verify '" . dovecot_form($row['password']) . "' with its password";
    }
    return '';
}

function cmd_check(array $a): void {
    $lines = file($a[0] ?? '', FILE_IGNORE_NEW_LINES);
    if ($lines === false) {
        die_msg('usage: check MANIFEST');
    }
    $rows = db_rows();
    $all = $rows;
    $bad = 0;
    foreach ($lines as $line) {
        $f = explode("\t", $line);
        if ($f[0] == 'problem' && !isset($all["$f[1]\t$f[2]"])) {
            fwrite(STDERR, "pfa.php: manifest line '$line': no such row\n");
            $bad++;
        }
        if ($f[0] == 'version' || $f[0] == 'problem') {
            continue;
        }
        $key = "$f[0]\t$f[1]";
        $why = check_line($f, $rows[$key] ?? null);
        unset($rows[$key]);
        if ($why !== '') {
            fwrite(STDERR, "pfa.php: manifest line '$line': $why\n");
            $bad++;
        }
    }
    foreach (array_keys($rows) as $key) {
        fwrite(STDERR, "pfa.php: database row '$key' is not in the manifest\n");
        $bad++;
    }
    if ($bad) {
        exit(1);
    }
}

$cmd = $argv[1] ?? '';
$args = array_slice($argv, 2);
try {
    switch ($cmd) {
        case 'createdb': cmd_createdb(); break;
        case 'vacation': cmd_vacation($args); break;
        case 'rawmailbox': cmd_rawmailbox($args); break;
        case 'version': cmd_version(); break;
        case 'counts': cmd_counts(); break;
        case 'check': cmd_check($args); break;
        default: die_msg("unknown command '$cmd'");
    }
} catch (Throwable $e) {
    die_msg("$cmd: " . $e->getMessage());
}
