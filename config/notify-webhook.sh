#!/bin/sh
# SPDX-License-Identifier: ISC
# A [notify] command for dotgit-deploy: post a deployment's final status
# to a chat webhook (Slack, Mattermost and Rocket.Chat accept this JSON).
#
#   [notify]
#   command = /usr/share/dotgit-deploy/notify-webhook.sh
#   on = error canceled
#
# The webhook's address is read from a file only the daemon's user can
# read, never from the command line: NOTIFY_WEBHOOK_FILE (default
# /etc/dotgit-deploy/webhook). dotgit-deploy runs this without a shell
# of its own, with its stdin on /dev/null, and kills it after [notify]
# timeout seconds. It never sees the API key.
set -eu

file=${NOTIFY_WEBHOOK_FILE:-/etc/dotgit-deploy/webhook}
[ -r "$file" ] || { echo "notify-webhook: no webhook in $file" >&2; exit 1; }
url=$(head -n 1 "$file")

# JSON string: backslashes and quotes escaped, control characters gone
json() {
	printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'
}

text="$(json "$DOTGIT_DEPLOY_PROJECT"): $(json "$DOTGIT_DEPLOY_BRANCH") -> \
$(json "$DOTGIT_DEPLOY_ENVIRONMENT") $(json "$DOTGIT_DEPLOY_STATUS") \
($(json "$DOTGIT_DEPLOY_ID"), $(printf '%.7s' "$DOTGIT_DEPLOY_COMMIT")) \
$(json "$DOTGIT_DEPLOY_URL")"

exec curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    --data "{\"text\": \"$text\"}" "$url"
