"""A local stack as deploy/ describes it, on loopback: Debian's nginx with a self-signed
certificate (deploy/nginx/campaign.conf, pointed at free ports) in front of gunicorn instances
(deploy/gunicorn.conf.py) and `flask worker` processes. Used by the deployment test and by
bench/deploy.py; `start_stack` returns what runs, `stop` ends it.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    for _ in range(600):  # up to about a minute
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}")


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return cert, key


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise RuntimeError(f"deploy/nginx/campaign.conf no longer contains {old!r}: update tests/deploy/stack.py")
    return text.replace(old, new)


def nginx_site(folder: Path, https_port: int, http_port: int, upstreams: list[int], cert: Path, key: Path) -> str:
    """deploy/nginx/campaign.conf as shipped, pointed at this test's ports, files and folders.
    Only in this test, nginx names the instance that answered (X-Test-Upstream)."""
    site = (ROOT / "deploy" / "nginx" / "campaign.conf").read_text()
    site = _replace(site, "    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n")
    site = _replace(site, "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
                    f"    listen 127.0.0.1:{https_port} ssl http2;\n")
    site = _replace(site, "    server 127.0.0.1:8000;\n",
                    "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams))
    site = _replace(site, "/etc/letsencrypt/live/campaign.example.org/fullchain.pem", str(cert))
    site = _replace(site, "/etc/letsencrypt/live/campaign.example.org/privkey.pem", str(key))
    site = _replace(site, "/var/log/nginx/campaign.access.log", str(folder / "access.log"))
    site = _replace(site, "/var/log/nginx/campaign.error.log crit", f"{folder / 'error.log'} warn")
    site = _replace(site, "/srv/campaign/app/static/", f"{ROOT / 'static'}/")
    site = _replace(site, "/var/www/letsencrypt", str(folder / "acme"))
    upstream_header = "        add_header X-Test-Upstream $upstream_addr always;\n"
    site = _replace(site, "        proxy_pass http://campaign_app;\n",
                    "        proxy_pass http://campaign_app;\n" + upstream_header)
    return site


def nginx_conf(folder: Path, site: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {name}_temp_path {folder / name};\n" for name in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n{temp}{site}\n}}\n"
    )


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)




@dataclass
class Stack:
    url: str
    https_port: int
    upstreams: list[int]
    folder: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def access_log(self) -> str:
        return (self.folder / "access.log").read_text()

    def stop(self) -> None:
        stop(list(reversed(self.procs)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_stack(folder: Path, env: dict[str, str], app: str, instances: int = 2, workers: int = 2,
                gunicorn_workers: int = 2) -> Stack:
    """Start `instances` gunicorn instances (each `-w gunicorn_workers`, its own instance folder,
    as on separate hosts), `workers` flask workers and nginx over TLS. `app` is the app spec, with
    `{instance}` where the instance folder goes. BASE_URL is set here (nginx's address)."""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "acme"):
        (folder / name).mkdir(exist_ok=True)
    https_port, http_port = _free_port(), _free_port()
    upstreams = [_free_port() for _ in range(instances)]
    stack = Stack(f"https://127.0.0.1:{https_port}", https_port, upstreams, folder)
    env = {**env, "BASE_URL": stack.url, "PROXY_HOPS": "1", "PYTHONUNBUFFERED": "1"}
    try:
        for n, port in enumerate(upstreams):
            log = folder / f"gunicorn{n}.log"
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                 "-w", str(gunicorn_workers), app.format(instance=folder / f"host{n}")],
                cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=log.open("wb"), stderr=subprocess.STDOUT,
            )
            stack.procs.append(proc)
            wait_for_port(port, proc, f"gunicorn {n}", log)
        for n in range(workers):
            log = folder / f"worker{n}.log"
            stack.procs.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", app.format(instance=folder / f"host{n % instances}"),
                 "worker"],
                cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT))
        cert, key = certificate(folder)
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(folder, nginx_site(folder, https_port, http_port, upstreams, cert, key)))
        check = subprocess.run(
            [NGINX, "-t", "-p", str(folder), "-c", str(conf)], capture_output=True, text=True, check=False
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration: {check.stderr}")
        nginx_log = folder / "nginx.out"
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf)], stdout=nginx_log.open("wb"),
                                 stderr=subprocess.STDOUT)
        stack.procs.append(nginx)
        wait_for_port(https_port, nginx, "nginx", nginx_log)
    except BaseException:
        stack.stop()
        raise
    return stack
