#!/usr/bin/env bash
# Dump the compose stack's PostgreSQL database: gzip, 14-day rotation, optional S3 copy.
#
# Run as root (or a member of the docker group) on the machine running the stack:
#   /opt/citas/deploy/backup-db.sh
# Nightly via cron, e.g. /etc/cron.d/citas-backup:
#   15 3 * * * root S3_URI=s3://my-bucket/citas /opt/citas/deploy/backup-db.sh >> /var/log/citas-backup.log 2>&1
#
# Settings (environment variables, all optional):
#   BACKUP_DIR  where dumps go                   (default /var/backups/citas)
#   KEEP_DAYS   days of local dumps to keep      (default 14)
#   S3_URI      s3://bucket/prefix for an off-site copy; needs the AWS CLI and an
#               instance role allowed s3:PutObject (default: no copy)
set -euo pipefail
umask 077

REPO_DIR="${REPO_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/citas}"
KEEP_DAYS="${KEEP_DAYS:-14}"
S3_URI="${S3_URI:-}"

cd "$REPO_DIR"
mkdir -p "$BACKUP_DIR"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
file="$BACKUP_DIR/citas-$stamp.sql.gz"
trap 'rm -f "$file.partial"' EXIT

# Plain SQL without owners/grants: restores with psql into any empty database (also RDS).
docker compose -f deploy/compose.yml --env-file .env exec -T db \
    sh -c 'pg_dump --no-owner --no-privileges -U "$POSTGRES_USER" -d "$POSTGRES_DB"' \
    | gzip > "$file.partial"
mv "$file.partial" "$file"
echo "$(date -u +%FT%TZ) wrote $file ($(du -h "$file" | cut -f1))"

# Rotation: delete local dumps that are KEEP_DAYS days old or more.
find "$BACKUP_DIR" -maxdepth 1 -type f -name 'citas-*.sql.gz' -mtime +"$((KEEP_DAYS - 1))" -delete

if [[ -n "$S3_URI" ]]; then
    # Expire old objects with an S3 lifecycle rule on the bucket.
    aws s3 cp "$file" "${S3_URI%/}/$(basename "$file")" --only-show-errors
    echo "$(date -u +%FT%TZ) copied to ${S3_URI%/}/$(basename "$file")"
fi
