#!/usr/bin/env bash
# Consistent online backup of the bot's SQLite database (WAL-safe), kept for 14 days.
# Run daily from cron or a systemd timer as the sspbot user:
#   deploy/backup.sh /var/lib/sspbot /var/backups/sspbot
set -euo pipefail
data_dir=${1:?data directory}
backup_dir=${2:?backup directory}
mkdir -p "$backup_dir"
chmod 700 "$backup_dir"
target="$backup_dir/sspbot-$(date -u +%Y%m%dT%H%M%SZ).sqlite3"
python3 - "$data_dir/sspbot.sqlite3" "$target" <<'PY'
import sqlite3, sys
source, target = sys.argv[1:3]
with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
    src.backup(dst)
PY
chmod 600 "$target"
find "$backup_dir" -name 'sspbot-*.sqlite3' -mtime +14 -delete
