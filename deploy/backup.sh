#!/usr/bin/env bash
# An online, WAL-safe backup of the bot's SQLite database, while the bot runs. Backups are
# 0600, in a 0700 folder, and deleted after SSPBOT_BACKUP_DAYS (14) days. Run daily as the
# service's user, by sspbot-backup.timer or cron:
#   deploy/backup.sh /var/lib/sspbot /var/lib/sspbot-backup
# Restore with `sspbot restore` (deploy/README.md). A backup is useless without SSPBOT_SECRET,
# which is not in it: keep the secret safe, apart from the backups.
#
# The database is opened read-only and never created: without one this fails (exit 1) and
# writes nothing, so a wrong folder cannot look like a good backup for ever.
set -euo pipefail
umask 077

data_dir=${1:?usage: backup.sh DATA_DIR BACKUP_DIR}
backup_dir=${2:?usage: backup.sh DATA_DIR BACKUP_DIR}
keep_days=${SSPBOT_BACKUP_DAYS:-14}
python=${PYTHON:-python3}
source_db="$data_dir/sspbot.sqlite3"

if [[ ! -f $source_db ]]; then
    echo "backup.sh: no database at $source_db: nothing was backed up." >&2
    echo "backup.sh: is $data_dir the bot's SSPBOT_DATA_DIR, and has the bot run there?" >&2
    exit 1
fi

mkdir -p "$backup_dir"
chmod 700 "$backup_dir"
target="$backup_dir/sspbot-$(date -u +%Y%m%dT%H%M%SZ).sqlite3"
partial="$target.partial"  # never mistaken for a finished backup
trap 'rm -f "$partial"' EXIT  # a failed backup leaves nothing behind

# VACUUM INTO from a read-only connection: a consistent snapshot of the database with what the
# WAL holds, as one self-contained file with no free pages (nothing erased survives in it).
"$python" - "$source_db" "$partial" <<'PY'
import pathlib
import sqlite3
import sys

source, target = sys.argv[1:3]
uri = pathlib.Path(source).resolve().as_uri() + "?mode=ro"
try:
    db = sqlite3.connect(uri, uri=True)
    if db.execute("PRAGMA user_version").fetchone()[0] == 0:  # the bot migrates at its start
        sys.exit(f"backup.sh: {source} holds no bot data (an empty file?): nothing was backed "
                 "up")
    db.execute("VACUUM INTO ?", [target])
    db.close()
    copy = sqlite3.connect(f"{pathlib.Path(target).resolve().as_uri()}?mode=ro", uri=True)
    verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    copy.close()
except sqlite3.Error as error:
    sys.exit(f"backup.sh: the backup of {source} failed: {error}")
if verdict != "ok":
    sys.exit(f"backup.sh: the backup of {source} is damaged: {verdict}")
PY

chmod 600 "$partial"
mv "$partial" "$target"
echo "backup.sh: wrote $target ($(stat -c %s "$target") bytes)"

# Older than the retention period (in minutes, so "14 days" means 14 days, not 15).
find "$backup_dir" -maxdepth 1 -type f -name 'sspbot-*.sqlite3' -mmin +$((keep_days * 24 * 60)) \
    -print -delete | sed 's/^/backup.sh: deleted /'
