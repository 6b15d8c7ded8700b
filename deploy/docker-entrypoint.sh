#!/bin/sh
# One image, every role: `docker run <image> <role> [extra args]`. Roles are described in
# docs/running.md; anything that is not a role runs as a command (`docker run <image> bash`).
set -eu

# The application directory: /app in the image, the checkout when run from one.
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
PORT="${PORT:-8000}"

django_print() {
    python manage.py shell --no-imports --verbosity 0 --command "$1"
}

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
    web)
        exec gunicorn config.wsgi \
            --bind "${GUNICORN_BIND:-0.0.0.0:$PORT}" \
            --workers "${WEB_CONCURRENCY:-2}" \
            --timeout "${GUNICORN_TIMEOUT:-30}" \
            --graceful-timeout "${GUNICORN_GRACEFUL_TIMEOUT:-20}" \
            --keep-alive 5 \
            --max-requests "${GUNICORN_MAX_REQUESTS:-1000}" \
            --max-requests-jitter 100 \
            --worker-tmp-dir "${GUNICORN_WORKER_TMP_DIR:-/dev/shm}" \
            --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
            --access-logfile - \
            --error-logfile - \
            "$@"
        ;;
    worker)
        queues="${CELERY_QUEUES:-}"
        if [ -z "$queues" ]; then
            queues="$(django_print 'from modkit.management.commands.serve import worker_queues
print(",".join(worker_queues()))')"
        fi
        exec celery -A config worker \
            --queues "$queues" \
            --concurrency "${CELERY_CONCURRENCY:-2}" \
            --loglevel "${LOG_LEVEL:-INFO}" \
            "$@"
        ;;
    beat)
        exec celery -A config beat --loglevel "${LOG_LEVEL:-INFO}" "$@"
        ;;
    relay)
        exec python manage.py relay "$@"
        ;;
    migrate)
        aliases="$(django_print 'from django.conf import settings
print(" ".join(settings.DATABASES))')"
        for alias in $aliases; do
            echo "migrate: database $alias"
            python manage.py migrate --noinput --database "$alias" "$@"
        done
        ;;
    serve)
        exec python manage.py serve --host 0.0.0.0 --port "$PORT" "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
