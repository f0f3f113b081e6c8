#!/usr/bin/env bash
# One Debian 12 host with everything: PostgreSQL, Redis, nginx (TLS), the app under gunicorn, one
# worker, and optionally a Tor onion service. Run as root from a checkout of this repository:
#
#     sudo deploy/setup-one-host.sh campaign.example.org you@example.org [--onion]
#
# It installs Debian's packages, creates the `campaign` user, copies this checkout to
# /srv/campaign/app, creates the database and /etc/campaign/campaign.env (random SECRET_KEY),
# installs the systemd units and the nginx site, and asks certbot for a certificate. Run it again
# after `git pull` to deploy a new release (migrations run when campaign-web starts).
set -euo pipefail

DOMAIN="${1:?usage: setup-one-host.sh DOMAIN ADMIN_EMAIL [--onion]}"
ADMIN_EMAIL="${2:?usage: setup-one-host.sh DOMAIN ADMIN_EMAIL [--onion]}"
ONION="${3:-}"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
APP=/srv/campaign/app
ENV_FILE=/etc/campaign/campaign.env

[ "$(id -u)" = 0 ] || { echo "run as root"; exit 1; }

echo "== packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  python3 python3-venv postgresql redis-server nginx certbot rsync fonts-noto-cjk >/dev/null
if [ "$ONION" = "--onion" ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tor >/dev/null; fi

echo "== user and code"
id campaign >/dev/null 2>&1 || useradd --system --home /srv/campaign --shell /usr/sbin/nologin campaign
install -d -o campaign -g campaign -m 0750 /srv/campaign "$APP"
rsync -a --delete --exclude .git --exclude .venv --exclude instance "$SRC"/ "$APP"/
install -d -o campaign -g campaign -m 0700 "$APP/instance"
chown -R campaign:campaign "$APP"
sudo -u campaign python3 -m venv "$APP/.venv"
sudo -u campaign "$APP/.venv/bin/pip" install --quiet -r "$APP/requirements.txt"
sudo -u campaign "$APP/.venv/bin/pybabel" compile -q -d "$APP/translations"

echo "== PostgreSQL (peer authentication over the local socket: no password to keep)"
sudo -u postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='campaign'" | grep -q 1 \
  || sudo -u postgres createuser campaign
sudo -u postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname='campaign'" | grep -q 1 \
  || sudo -u postgres createdb -O campaign campaign

echo "== Redis (loopback only, nothing on disk: it holds rate-limit counters only)"
sed -i 's/^# *bind .*/bind 127.0.0.1 -::1/; s/^save .*/save ""/; s/^appendonly .*/appendonly no/' /etc/redis/redis.conf
systemctl restart redis-server

echo "== settings"
install -d -m 0750 -g campaign /etc/campaign
if [ ! -f "$ENV_FILE" ]; then
  secret="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
  sed -e "s|^BASE_URL=.*|BASE_URL=https://$DOMAIN|" \
      -e "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" \
      -e "s|^MAIL_DEFAULT_SENDER=.*|MAIL_DEFAULT_SENDER=campaign@$DOMAIN|" \
      "$APP/deploy/campaign.env.example" > "$ENV_FILE"
  chmod 0640 "$ENV_FILE"; chgrp campaign "$ENV_FILE"
  echo "   edit $ENV_FILE for the mail server, then: systemctl restart campaign-web campaign-worker"
fi

echo "== systemd"
install -m 0644 "$APP/deploy/systemd/campaign-web.service" "$APP/deploy/systemd/campaign-worker.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now campaign-web campaign-worker

echo "== nginx and certificate"
install -d /var/www/letsencrypt
if [ ! -f "/etc/letsencrypt/live/$DOMAIN/fullchain.pem" ]; then
  # First a plain-HTTP site for the challenge, then the real one.
  cat > /etc/nginx/sites-available/campaign <<CONF
server { listen 80; server_name $DOMAIN; access_log off;
         location /.well-known/acme-challenge/ { root /var/www/letsencrypt; } }
CONF
  ln -sf /etc/nginx/sites-available/campaign /etc/nginx/sites-enabled/campaign
  rm -f /etc/nginx/sites-enabled/default
  systemctl reload nginx
  certbot certonly --webroot -w /var/www/letsencrypt -d "$DOMAIN" -m "$ADMIN_EMAIL" --agree-tos -n
fi
sed "s/campaign\.example\.org/$DOMAIN/g" "$APP/deploy/nginx/campaign.conf" > /etc/nginx/sites-available/campaign
ln -sf /etc/nginx/sites-available/campaign /etc/nginx/sites-enabled/campaign
rm -f /etc/nginx/sites-enabled/default
if [ "$ONION" = "--onion" ]; then
  install -m 0644 "$APP/deploy/nginx/onion.conf" /etc/nginx/sites-enabled/campaign-onion
  grep -q "HiddenServiceDir /var/lib/tor/campaign/" /etc/tor/torrc || cat "$APP/deploy/tor/torrc.snippet" >> /etc/tor/torrc
  systemctl reload tor
fi
nginx -t
systemctl reload nginx

echo "== done: https://$DOMAIN"
[ "$ONION" = "--onion" ] && echo "   onion address: $(cat /var/lib/tor/campaign/hostname 2>/dev/null || echo 'in /var/lib/tor/campaign/hostname shortly')"
echo "   create the first admin: sudo -u campaign sh -c 'set -a; . $ENV_FILE; cd $APP; .venv/bin/flask --app wsgi users create ...'"
