# shellcheck shell=bash
# The restore's statement filter (issue 10, findings 1, 5, 6, 10, 12). Sourced by restore-apply.sh, never run.
#
# A backup set is hostile input: anyone who can write to the bucket can write db.sql.zst. So the dump is never
# piped to the server as it is. This filter reads it, admits ONLY the statement kinds that
#   mariadb-dump --single-transaction --quick --routines --triggers --events --hex-blob --skip-add-locks ... <db>
# writes for one database (backup-dump.sh), and routes them:
#   - tables (DROP TABLE IF EXISTS, CREATE TABLE) to schema files, loaded into the staging database;
#   - rows (INSERT INTO `t` VALUES, each row a tuple of plain literals) to data chunks, loaded in parallel;
#   - triggers, routines, events and views to post.sql, created in the live database after the table swap,
#     every DEFINER rewritten to CURRENT_USER (the restoring user), never kept as the dump's (finding 10);
#   - the dump's header and trailer SETs are checked against the exact forms mariadb-dump writes and dropped:
#     restore-apply.sh sends its own session settings instead.
# Anything else (USE, CREATE/DROP DATABASE, GRANT, users, SET GLOBAL, INTO OUTFILE, LOAD DATA, client commands
# such as \! or `system`, a schema-qualified name, a second statement on a line, ...) refuses the whole set: the
# filter writes one line naming the statement kind and its line in the dump to <dir>/refused and stops
# (findings 1, 5, 6). It is a whitelist: an unknown statement is refused, never passed through.
#
# Its tokenizer follows the mariadb client's and server's: '...' and "..." strings with backslash escapes
# and doubled quotes, `...` identifiers, -- and # and /* */ comments, and /*!NNNNN ... */ comments whose
# content is code. A backslash outside a string is refused (client commands start with one), and so are
# version-gated comments the server would skip (/*!999999 ...), so the filter and the server always see
# the same statements. Sessions that load the output also run `mariadb --sandbox`.
#
# Memory (finding 12): fold cuts every line at MAX_LINE_BYTES + 1 bytes before awk sees it, so a line
# longer than the limit is refused when its first piece arrives and is never held whole; a statement is
# refused once it grows past the same limit.
#
# Output on stdout, one line each, for restore-apply.sh's dispatch():
#   schema FILE | data FILE | trailer ok|missing | post FILE | refused
# and <dir>/declared.txt: "table|trigger|procedure|function|event|view NAME" for every object declared.

# dump_filter DIR CHUNK_BYTES MAX_LINE_BYTES POST_ONLY SOURCE_DB LIVE_DB DATABASES
#   POST_ONLY=1 validates the whole dump but writes only post.sql (the physical path takes tables from
#   its own schema); DATABASES is a comma-separated list of every database name on the server.
dump_filter() {
  local dir=$1 chunk_bytes=$2 max_bytes=$3 post_only=$4 source_db=$5 live_db=$6 databases=$7
  fold -b -w $((max_bytes + 1)) |
    LC_ALL=C awk -v dir="$dir" -v chunk_bytes="$chunk_bytes" -v max_bytes="$max_bytes" -v post_only="$post_only" \
      -v source_db="$source_db" -v live_db="$live_db" -v databases="$databases" "$DUMP_FILTER_AWK"
}

# Portable awk (mawk in the mariadb image, gawk elsewhere): no gawk extensions, no regex intervals.
read -r -d '' DUMP_FILTER_AWK <<'AWK' || true
BEGIN {
  SQ = sprintf("%c", 39); DQ = "\""; BQ = sprintf("%c", 96); ONE = sprintf("%c", 1); TWO = sprintf("%c", 2)
  delim = ";"; section = "header"; completed = 0; refused = 0
  stmt = ""; skel = ""; nbytes = 0; start_line = 0; in_str = ""; in_cmt = 0; in_ec = 0; cur = ""
  in_insert = 0; insert_bytes = 0; data = ""; size = 0; chunks = 0; schemas = 0; schema = ""; tables = 0
  post = dir "/post.sql"; declared = dir "/declared.txt"; printf "" > post; printf "" > declared
  # Identifiers in the skeleton are `...` (content sanitised) or bare words; strings are ONE.
  ID = "(`[^`]*`|[A-Z0-9_$]+)"
  DEF = "DEFINER ?= ?(" ID " ?@ ?" ID "|" ONE " ?@ ?" ONE "|CURRENT_USER( ?\\( ?\\))?|" ID ")"
  QUAL = "(`[^`]*`|[A-Z_$][A-Z0-9_$]*) ?\\. ?(`[^`]*`|[A-Z_$][A-Z0-9_$]*)"
  # Words no statement of a one-database dump needs, wherever they appear outside strings and names.
  n = split("GRANT REVOKE OUTFILE DUMPFILE INFILE LOAD LOAD_FILE INSTALL UNINSTALL SONAME PLUGIN PLUGINS " \
    "DIRECTORY SHUTDOWN KILL FLUSH PURGE BINLOG MASTER SLAVE REPLICA RESET PREPARE EXECUTE DEALLOCATE " \
    "PASSWORD GLOBAL DATABASE DATABASES SCHEMA SCHEMAS USE SLEEP BENCHMARK GET_LOCK RELEASE_LOCK " \
    "RELEASE_ALL_LOCKS IS_FREE_LOCK IS_USED_LOCK MASTER_POS_WAIT MASTER_GTID_WAIT SYS_EXEC SYS_EVAL " \
    "SQL_MODE NAMES CONNECTION SERVER ROLE DELIMITER SQL_LOG_BIN CHARACTER_SET_CLIENT " \
    "CHARACTER_SET_CONNECTION CHARACTER_SET_RESULTS COLLATION_CONNECTION BACKUP", w, " ")
  for (k = 1; k <= n; k++) forbidden[w[k]] = 1
  n = split("REAL_AS_FLOAT PIPES_AS_CONCAT IGNORE_SPACE IGNORE_BAD_TABLE_OPTIONS ONLY_FULL_GROUP_BY " \
    "NO_UNSIGNED_SUBTRACTION NO_DIR_IN_CREATE NO_AUTO_VALUE_ON_ZERO NO_TABLE_OPTIONS NO_FIELD_OPTIONS " \
    "NO_KEY_OPTIONS STRICT_TRANS_TABLES STRICT_ALL_TABLES NO_ZERO_IN_DATE NO_ZERO_DATE ALLOW_INVALID_DATES " \
    "ERROR_FOR_DIVISION_BY_ZERO TRADITIONAL NO_AUTO_CREATE_USER HIGH_NOT_PRECEDENCE NO_ENGINE_SUBSTITUTION " \
    "PAD_CHAR_TO_FULL_LENGTH EMPTY_STRING_IS_NULL SIMULTANEOUS_ASSIGNMENT TIME_ROUND_FRACTIONAL", w, " ")
  for (k = 1; k <= n; k++) sqlmode[w[k]] = 1
  # The header and trailer mariadb-dump writes; restore-apply.sh sends the same settings itself.
  n = split("SET@OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT SET@OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS " \
    "SET@OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION SETNAMESUTF8MB4 SET@OLD_TIME_ZONE=@@TIME_ZONE " \
    "SETTIME_ZONE='+00:00' SET@OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS,UNIQUE_CHECKS=0 " \
    "SET@OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS,FOREIGN_KEY_CHECKS=0 " \
    "SET@OLD_SQL_MODE=@@SQL_MODE,SQL_MODE='NO_AUTO_VALUE_ON_ZERO' SET@OLD_SQL_NOTES=@@SQL_NOTES,SQL_NOTES=0 " \
    "SETTIME_ZONE=@OLD_TIME_ZONE SETSQL_MODE=@OLD_SQL_MODE SETFOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS " \
    "SETUNIQUE_CHECKS=@OLD_UNIQUE_CHECKS SETCHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT " \
    "SETCHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS SETCOLLATION_CONNECTION=@OLD_COLLATION_CONNECTION " \
    "SETSQL_NOTES=@OLD_SQL_NOTES", w, " ")
  for (k = 1; k <= n; k++) headerset[w[k]] = 1
  # The per-object session SETs around tables, triggers, routines, events and views.
  n = split("SET@SAVED_CS_CLIENT=@@CHARACTER_SET_CLIENT SET@SAVED_CS_RESULTS=@@CHARACTER_SET_RESULTS " \
    "SET@SAVED_COL_CONNECTION=@@COLLATION_CONNECTION SET@SAVED_SQL_MODE=@@SQL_MODE SET@SAVED_TIME_ZONE=@@TIME_ZONE " \
    "SET@SAVE_TIME_ZONE=@@TIME_ZONE SETCHARACTER_SET_CLIENT=@SAVED_CS_CLIENT SETCHARACTER_SET_RESULTS=@SAVED_CS_RESULTS " \
    "SETCOLLATION_CONNECTION=@SAVED_COL_CONNECTION SETSQL_MODE=@SAVED_SQL_MODE SETTIME_ZONE=@SAVED_TIME_ZONE " \
    "SETTIME_ZONE=@SAVE_TIME_ZONE", w, " ")
  for (k = 1; k <= n; k++) objectset[w[k]] = 1
  n = split(tolower(databases) "," tolower(live_db) "," tolower(source_db) ",mysql,information_schema,performance_schema,sys", w, ",")
  for (k = 1; k <= n; k++) if (w[k] != "") dbset[w[k]] = 1
  source_db = tolower(source_db); live_db = tolower(live_db)
}

function refuse(what, at) {
  if (refused) exit 3
  refused = 1
  printf "%s at line %d of the dump\n", what, at > (dir "/refused")
  close(dir "/refused")
  print "refused"; fflush()
  exit 3
}
function emit(kind, file) { close(file); print kind, file; fflush() }
# Tables are created in batches, one session per batch (not per table): the batch so far is loaded just
# before any data chunk, which then finds every table it fills.
function flush_schema() { if (schema != "") { emit("schema", schema); schema = "" } }
function short(u) { u = substr(u, 1, 40); gsub(ONE, "'...'", u); sub(/ +$/, "", u); return u }
function kindof(u,   t) {
  t = u; gsub(/[^A-Z_ ]+/, " ", t); gsub(/ +/, " ", t); sub(/^ /, "", t)
  if (t ~ /^CREATE .*(TRIGGER|PROCEDURE|FUNCTION|EVENT|VIEW) /) { match(t, /(TRIGGER|PROCEDURE|FUNCTION|EVENT|VIEW) /); return "CREATE " substr(t, RSTART, RLENGTH - 1) }
  return short(t)
}

# Tokenizer: consumes one line of the current statement, updating skel; returns 1 when the statement ended.
function scan_line(line,    n, i, c, rest, v) {
  n = length(line); i = 1
  while (i <= n) {
    c = substr(line, i, 1)
    if (in_cmt) {
      if (c == "\\") refuse("a backslash (mariadb client command) in a comment", NR)
      if (c == "*" && substr(line, i + 1, 1) == "/") { in_cmt = 0; skel = skel " "; i += 2; continue }
      i++; continue
    }
    if (in_str != "") {
      if (in_str != BQ && c == "\\") { i += 2; continue }
      if (c == in_str) {
        if (substr(line, i + 1, 1) == in_str) { if (in_str == BQ) cur = cur ONE; i += 2; continue }
        # In the skeleton a quoted name's own dots and spaces become _: `app.example.com` is one name, never a qualifier.
        if (in_str == BQ) { gsub(/[ \t\r\n.]/, "_", cur); skel = skel " " BQ cur BQ " " } else skel = skel " " ONE " "
        in_str = ""; i++; continue
      }
      if (in_str == BQ) cur = cur c
      i++; continue
    }
    if (c == SQ || c == DQ || c == BQ) { in_str = c; cur = ""; i++; continue }
    if (c == "\\") refuse("a backslash outside a string (a mariadb client command such as \\! or \\.)", NR)
    if (c == "#" || (c == "-" && substr(line, i + 1, 1) == "-" && (i + 2 > n || substr(line, i + 2, 1) <= " "))) {
      if (index(substr(line, i), "\\")) refuse("a backslash (mariadb client command) in a comment", NR)
      break
    }
    if (c == "/" && substr(line, i + 1, 1) == "*") {
      rest = substr(line, i + 2)
      if (match(rest, /^M?![0-9]*/)) {
        v = substr(rest, 1, RLENGTH); gsub(/[^0-9]/, "", v)
        if (in_ec) refuse("a nested /*! comment", NR)
        # The server skips /*!NNNNN ... */ when NNNNN is above its version; mariadb-dump writes only old ones.
        if (v != "" && (length(v) > 6 || v + 0 > 101100)) refuse("a version-gated comment /*!" v " that the server may skip", NR)
        in_ec = 1; skel = skel " "; i += 2 + RLENGTH; continue
      }
      if (in_ec) refuse("a comment inside a /*! comment", NR)
      in_cmt = 1; i += 2; continue
    }
    if (c == "*" && in_ec && substr(line, i + 1, 1) == "/") { in_ec = 0; skel = skel " "; i += 2; continue }
    if (c == ";" && (delim == ";" || substr(line, i + 1, 1) == ";")) {
      i += length(delim)
      if (substr(line, i) !~ /^[ \t\r]*$/) refuse("a second statement after '" delim "' on one line", NR)
      if (in_ec) refuse("a statement that ends inside a /*! comment", NR)
      return 1
    }
    skel = skel c; i++
  }
  if (in_str == "") skel = skel " "
  return 0
}

function add_line(line) {
  nbytes += length(line) + 1
  if (nbytes > max_bytes) refuse("a statement longer than " max_bytes " bytes (RESTORE_MAX_LINE_MB or the server's max_allowed_packet)", start_line)
  stmt = (stmt == "" ? line : stmt "\n" line)
}

# Checks qualified names: none in a head; in a body only names that are not databases, or the dumped
# database itself when it is the live one (it then resolves to the live database anyway).
function check_names(u, k, head,    s, x, q) {
  s = head
  while (match(s, QUAL)) {
    q = substr(s, RSTART, RLENGTH)
    refuse("the schema-qualified name " q " in a " k " statement", start_line)
  }
  s = substr(u, length(head) + 1)
  while (match(s, QUAL)) {
    q = substr(s, RSTART, RLENGTH); x = q; sub(/ ?\..*/, "", x); gsub(BQ, "", x); x = tolower(x)
    if (x in dbset && !(x == source_db && x == live_db)) refuse("the name " q " of another database in a " k " statement", start_line)
    s = substr(s, RSTART + RLENGTH)
  }
}

function check_words(u, k, body,    t, n, j, p) {
  gsub(/`[^`]*`/, " I ", u)
  n = split(u, t, /[^A-Z0-9_]+/)
  for (j = 1; j <= n; j++) {
    if (t[j] in forbidden) refuse("'" t[j] "' in a " k " statement", start_line)
    p = (j > 1 ? t[j - 1] : "")
    if (t[j] == "USER" && p ~ /^(CREATE|ALTER|DROP|RENAME)$/) refuse("'" p " USER' in a " k " statement", start_line)
    if (body && p == "SET" && t[j] ~ /^(CHARACTER|CHARSET|STATEMENT)$/) refuse("'SET " t[j] "' in a " k " statement", start_line)
  }
}

# Semicolons inside a ;;-delimited statement must be inside BEGIN ... END: the server runs a top-level ';'
# as the start of another statement. BEGIN is not reserved (`SELECT 1 begin;` is an alias), so it opens a
# block only where the grammar allows one: after FOR EACH ROW, DO, a label, ';', THEN, ELSE, LOOP, REPEAT,
# BEGIN, HANDLER FOR <condition>, or as a routine's body right after its parameters and characteristics.
# CASE always opens (an expression or a statement; both end with END). Nothing may follow the outer END.
function tokens(u, t) {
  gsub(/`[^`]*`/, " I ", u); gsub(ONE, " S ", u); gsub(/;/, " ; ", u); gsub(/:/, " : ", u)
  gsub(/[^A-Z0-9_;: ]/, " ", u); gsub(/ +/, " ", u); sub(/^ /, "", u); sub(/ $/, "", u)
  return split(u, t, " ")
}
function check_blocks(u, k, kind, head,    t, n, h, j, sp, stack, opener, handler, clean, p) {
  n = tokens(u, t); h = tokens(head, p); sp = 0; handler = 0; clean = (kind == "procedure" || kind == "function")
  for (j = 1; j <= n; j++) {
    if (t[j] == ";") {
      if (sp == 0) refuse("a ';' outside BEGIN ... END (a second statement) in a " k " statement", start_line)
      handler = 0; clean = 0; continue
    }
    if (j > h && t[j] ~ /^(SELECT|INSERT|UPDATE|DELETE|REPLACE|CALL|DO|VALUES|WITH|DROP|CREATE|ALTER|TRUNCATE|RENAME|SHOW|RETURN|DECLARE|IF|CASE|WHILE|LOOP|REPEAT|LEAVE|ITERATE|OPEN|FETCH|CLOSE|SIGNAL|RESIGNAL|TABLE|FROM|INTO|AS|HANDLER)$/) clean = 0
    if (j > h && t[j] == "SET" && t[j - 1] != "CHARACTER") clean = 0
    if (t[j] == "HANDLER" && t[j + 1] == "FOR") handler = 1
    if (t[j] == "BEGIN") {
      opener = (j > 1 && t[j - 1] ~ /^(ROW|DO|:|;|THEN|ELSE|LOOP|REPEAT|BEGIN)$/) || (j > 2 && t[j - 2] ~ /^(FOLLOWS|PRECEDES)$/) || handler || (clean && sp == 0)
      if (opener) { stack[++sp] = "B"; handler = 0; clean = 0 }
    } else if (t[j] == "CASE") stack[++sp] = "C"
    else if (t[j] == "END") {
      if (t[j + 1] ~ /^(IF|LOOP|WHILE|REPEAT|FOR)$/) { j++; continue }
      if (sp == 0) refuse("an END without BEGIN in a " k " statement", start_line)
      if (t[j + 1] == "CASE") j++
      if (stack[sp--] == "B" && sp == 0 && j < n && !(j + 1 == n && t[n] ~ /^[A-Z0-9_]+$/ && t[n] !~ /^(END|BEGIN)$/))
        refuse("a statement after the body's END in a " k " statement", start_line)
    }
  }
  if (sp != 0) refuse("unbalanced BEGIN ... END in a " k " statement", start_line)
}

# The restoring user becomes the definer: DC's definer may not exist on DR, and a dump's root@% must never
# become a root-owned trigger or SQL SECURITY DEFINER view here.
function rewrite_definer(raw,    r) {
  r = "DEFINER[ \t]*=[ \t]*(`([^`]|``)*`|" SQ "([^" SQ "\\\\]|\\\\.)*" SQ "|[A-Za-z0-9_$]+(\\(\\))?)([ \t]*@[ \t]*(`([^`]|``)*`|" SQ "([^" SQ "\\\\]|\\\\.)*" SQ "|[A-Za-z0-9_.%$-]+))?"
  if (match(raw, r)) raw = substr(raw, 1, RSTART - 1) "DEFINER=CURRENT_USER" substr(raw, RSTART + RLENGTH)
  return raw
}

function normal(s) { gsub(/[ \t\r\n]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }

function name_of(s) { sub(/^ /, "", s); gsub(BQ, "", s); gsub(ONE, BQ, s); return s }

function out_post(text) {
  if (delim == ";;") print "DELIMITER ;;\n" text ";;\nDELIMITER ;" > post
  else print text ";" > post
}
function out_schema(text) { if (!post_only) print text ";" > schema }

function set_stmt(raw,    c, modes, m, n, j) {
  c = raw; gsub(/\/\*M?![0-9]*/, "", c); gsub(/\*\//, "", c); gsub(/[ \t\r\n]/, "", c); c = toupper(c)
  if (c in headerset) return
  if (!(c in objectset) &&
      c !~ /^SETCHARACTER_SET_(CLIENT|RESULTS)=(UTF8MB4|UTF8MB3|UTF8|LATIN1|BINARY|ASCII)$/ &&
      c !~ /^SETCOLLATION_CONNECTION=(UTF8MB4|UTF8MB3|UTF8|LATIN1)_[A-Z0-9_]+$/ &&
      c !~ /^SETTIME_ZONE='(SYSTEM|[+-][0-9][0-9]?:[0-9][0-9]|[A-Z][A-Z_]*(\/[A-Z][A-Z_]*)*)'$/) {
    if (c !~ /^SETSQL_MODE='[A-Z_,]*'$/) refuse("a 'SET' statement mariadb-dump does not write (" substr(c, 1, 40) ")", start_line)
    modes = substr(c, 14, length(c) - 14); n = split(modes, m, ",")
    for (j = 1; j <= n; j++) if (m[j] != "" && !(m[j] in sqlmode)) refuse("sql_mode " m[j] " in a 'SET' statement", start_line)
  }
  if (section == "table") out_schema(raw)
  else if (section != "header") out_post(raw)
}

# classify: one complete statement (raw text without its delimiter, skel its skeleton).
function classify(raw,    k, u, m, head, nm, raw2, kind, pre) {
  u = toupper(normal(skel))
  if (u == "") return
  if (u ~ /^SET /) { set_stmt(raw); return }
  k = kindof(u)
  if (section == "table" && u ~ ("^DROP TABLE IF EXISTS " ID "$")) { check_names(u, k, u); out_schema(raw); return }
  if (section == "table" && match(u, "^CREATE TABLE " ID " ?\\(")) {
    head = substr(u, 1, RLENGTH); check_names(u, k, u); check_words(u, k, 0)
    if (u ~ / SELECT /) refuse("'SELECT' in a CREATE TABLE statement", start_line)
    m = u
    while (match(m, /ENGINE ?= ?[A-Z0-9_]+/)) {
      if (substr(m, RSTART, RLENGTH) !~ /= ?(INNODB|ARIA|MYISAM|MEMORY)$/) refuse("the storage engine in '" substr(m, RSTART, RLENGTH) "' of a CREATE TABLE statement", start_line)
      m = substr(m, RSTART + RLENGTH)
    }
    m = head; sub(/ ?\($/, "", m)
    tables++; print "table", name_of(substr(normal(skel), 14, length(m) - 13)) > declared
    out_schema(raw); return
  }
  if (section == "data" && u ~ ("^ALTER TABLE " ID " (DISABLE|ENABLE) KEYS$")) { check_names(u, k, u); return }
  if (section ~ /view$/ && u ~ ("^DROP TABLE IF EXISTS " ID "$")) { check_names(u, k, u); return }
  if (section ~ /view$/ && u ~ ("^DROP VIEW IF EXISTS " ID "$")) { check_names(u, k, u); out_post(raw); return }
  if (section == "events" && u ~ ("^DROP EVENT IF EXISTS " ID "$")) { check_names(u, k, u); out_post(raw); return }
  if (section == "routines" && u ~ ("^DROP (PROCEDURE|FUNCTION) IF EXISTS " ID "$")) { check_names(u, k, u); out_post(raw); return }
  if (section == "tempview" && match(u, "^CREATE VIEW " ID " AS SELECT ")) {
    check_names(u, k, substr(u, 1, RLENGTH)); check_words(u, k, 1); out_post(raw); return
  }
  kind = ""
  if (section == "finalview" && match(u, "^CREATE (ALGORITHM ?= ?(UNDEFINED|MERGE|TEMPTABLE) )?(" DEF " )?(SQL SECURITY (DEFINER|INVOKER) )?VIEW " ID "( ?\\([^)]*\\))? AS ")) kind = "view"
  else if (section == "data" && match(u, "^CREATE (" DEF " )?TRIGGER " ID " (BEFORE|AFTER) (INSERT|UPDATE|DELETE) ON " ID " FOR EACH ROW ((FOLLOWS|PRECEDES) " ID " )?")) kind = "trigger"
  else if (section == "events" && match(u, "^CREATE (" DEF " )?EVENT " ID " ON SCHEDULE ")) kind = "event"
  else if (section == "routines" && match(u, "^CREATE (" DEF " )?(PROCEDURE|FUNCTION) " ID " ?\\(")) kind = (u ~ /^CREATE [^(]*PROCEDURE / ? "procedure" : "function")
  if (kind == "") {
    # Before refusing as unknown, name a qualified head (`ghost`.`posts`), the clearest fault to read.
    if (u ~ /^(CREATE|DROP|INSERT|ALTER|REPLACE|UPDATE|DELETE) /) { head = u; sub(/ (AS|FOR EACH ROW|ON SCHEDULE|VALUES|BEGIN) .*/, "", head); check_names(u, k, head) }
    refuse("a '" k "' statement (not admitted from a one-database mariadb-dump in the " section " section)", start_line)
  }
  head = substr(u, 1, RLENGTH)
  check_names(u, k, head); check_words(u, k, 1)
  if (delim == ";;") check_blocks(u, k, kind, head)
  # The object's name: the last word of the head up to the name, read from the skeleton in its own case.
  pre = head
  if (kind == "view") { sub(/ AS $/, "", pre); sub(/ ?\([^)]*\)$/, "", pre) }
  else if (kind == "trigger") sub(/ (BEFORE|AFTER) .*/, "", pre)
  else if (kind == "event") sub(/ ON SCHEDULE $/, "", pre)
  else sub(/ ?\($/, "", pre)
  nm = pre; sub(/.* /, "", nm)
  nm = substr(normal(skel), length(pre) - length(nm) + 1, length(nm))
  raw2 = raw
  if (u ~ /^CREATE [^(]*DEFINER/) {
    raw2 = rewrite_definer(raw)
    # Re-read the rewritten head: the DEFINER that changed must be the head's own.
    m = raw2; gsub(/\/\*M?![0-9]*/, " ", m); gsub(/\*\//, " ", m); m = toupper(normal(m))
    if (m !~ ("^CREATE (ALGORITHM ?= ?[A-Z]+ )?DEFINER=CURRENT_USER ")) refuse("a DEFINER clause that cannot be rewritten in a " k " statement", start_line)
  }
  print kind, name_of(nm) > declared
  out_post(raw2)
}

# A row line: split at quotes (linear; a regex over 'strings' with escapes, or building the line again,
# is quadratic in mawk on one-line INSERTs). A quote after an odd run of backslashes is escaped; a doubled
# quote ('') leaves two adjacent strings, which are one value, as the server reads them. Between strings,
# a small state machine admits only "(", plain literals (numbers, NULL, 0x...), ",", ")" and a final ";".
# rst: 0 expects "(", 1 a value, 2 "," or ")" after a value, 3 "," or ";" after ")", 4 ended by ";".
function row_code(c,    j, n, ch) {
  if (index(c, TWO)) return 0
  gsub(/0x[0-9A-Fa-f]+|-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NULL/, TWO, c)
  n = length(c)
  for (j = 1; j <= n; j++) {
    ch = substr(c, j, 1)
    if (ch == "(" && rst == 0) rst = 1
    else if (ch == TWO && rst == 1) rst = 2
    else if (ch == "," && rst == 2) rst = 1
    else if (ch == ")" && rst == 2) { rst = 3; rseen = 1 }
    else if (ch == "," && rst == 3) rst = 0
    else if (ch == ";" && rst == 3) rst = 4
    else return 0
  }
  return 1
}
function rows_ok(s,    p, n, i, b, t, joined) {
  n = split(s, p, SQ); rst = 0; rseen = 0; joined = 0
  if (!row_code(p[1])) return 0
  i = 2
  while (i <= n) {
    # A string starts before p[i]: it is a value, or the rest of the previous one after a doubled quote.
    if (rst == 1) rst = 2
    else if (!(rst == 2 && joined)) return 0
    while (1) {
      if (i >= n) return 0
      t = p[i]; b = 0
      while (b < length(t) && substr(t, length(t) - b, 1) == "\\") b++
      i++
      if (b % 2 == 0) break
    }
    if (!row_code(p[i])) return 0
    joined = (p[i] == ""); i++
  }
  return rseen && (rst == 0 || rst == 4)
}

function end_insert(line) {
  in_insert = 0
  if (!post_only && size >= chunk_bytes) { flush_schema(); emit("data", data); data = "" }
}

function insert_line(line) {
  insert_bytes += length(line) + 1
  # mariadb-dump ends a statement at net_buffer_length (1 MiB) unless one row is longer: one row plus 1 MiB.
  if (insert_bytes > max_bytes + 1048576) refuse("an INSERT statement longer than " max_bytes + 1048576 " bytes (RESTORE_MAX_LINE_MB or the server's max_allowed_packet)", start_line)
  if (!post_only) {
    if (!rows_ok(line)) refuse("a row that is not a tuple of plain values in an INSERT statement", NR)
    print line > data; size += length(line) + 1
  }
  if (substr(line, length(line)) == ";") end_insert(line)
}

{
  line = $0
  if (length(line) > max_bytes) refuse("a line longer than " max_bytes " bytes (RESTORE_MAX_LINE_MB or the server's max_allowed_packet)", NR)
  if (completed) { if (line ~ /^[ \t\r]*$/) next; refuse("text after the '-- Dump completed' trailer", NR) }
  if (in_insert) { insert_line(line); next }
  if (stmt == "" && in_str == "" && !in_cmt) {
    if (line ~ /^[ \t\r]*$/) next
    if (NR == 1 && line == "/*M!999999\\- enable the sandbox mode */ ") next
    if (line ~ /^--([ \t]|$)/) {
      if (line ~ /^-- Table structure for table /) {
        section = "table"
        if (!post_only && schema == "") { schemas++; schema = sprintf("%s/schema-%05d.sql", dir, schemas); printf "" > schema }
      } else if (line ~ /^-- Dumping data for table /) {
        section = "data"
      } else if (line ~ /^-- Temporary table structure for view /) section = "tempview"
      else if (line ~ /^-- Final view structure for view /) section = "finalview"
      else if (line ~ /^-- Dumping events for database /) section = "events"
      else if (line ~ /^-- Dumping routines for database /) section = "routines"
      else if (line ~ /^-- Dump completed/) completed = 1
      next
    }
    if (line == "DELIMITER ;;") { delim = ";;"; next }
    if (line == "DELIMITER ;") { delim = ";"; next }
    start_line = NR; nbytes = 0; skel = ""
    if (section == "data" && delim == ";" && match(line, /^INSERT INTO `([^`]|``)+` VALUES ?/)) {
      if (!post_only && data == "") { chunks++; data = sprintf("%s/data-%05d.sql", dir, chunks); size = 0 }
      rest = substr(line, RLENGTH + 1); insert_bytes = length(line) + 1
      if (!post_only) {
        if (rest != "" && !rows_ok(rest)) refuse("a row that is not a tuple of plain values in an INSERT statement", NR)
        print line > data; size += length(line) + 1
      }
      if (substr(line, length(line)) == ";") end_insert(line); else in_insert = 1
      next
    }
  }
  add_line(line)
  if (scan_line(line)) {
    raw = stmt; sub(/;;?[ \t\r]*$/, "", raw)
    classify(raw)
    stmt = ""; skel = ""; nbytes = 0
  }
}

END {
  if (refused) exit 3
  if (stmt != "" || in_insert || in_str != "" || in_cmt) refuse("the dump ends inside a statement", start_line)
  flush_schema()
  if (data != "") emit("data", data)
  print "tables", tables > declared
  close(declared)
  print "trailer", (completed ? "ok" : "missing")
  emit("post", post)
}
AWK
