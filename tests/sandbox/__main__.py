"""Command line: python -m tests.sandbox [--host 127.0.0.1] [--port 0] [--dns-port 0] [--seed none|demo|subscriptions] [--pid-file F]."""

import argparse
import os
import pathlib
import signal
import sys
import threading

from .seed import SEEDS
from .server import SandboxService, require_loopback


def _loopback_host(text):
    try:
        require_loopback(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return text


def _arguments(argv):
    parser = argparse.ArgumentParser(prog='python -m tests.sandbox', description='AutoDNS JSON API sandbox (loopback only).')
    parser.add_argument('--host', type=_loopback_host, default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='HTTP port; 0 picks a free one')
    parser.add_argument('--dns-port', type=int, default=0, help='DNS port (UDP and TCP); 0 picks a free one')
    parser.add_argument('--seed', choices=tuple(SEEDS), default='none')
    parser.add_argument('--pid-file', type=pathlib.Path)
    return parser.parse_args(argv)


PARENT_CHECK_SECONDS = 1.0


def _stop_when_orphaned(stop_requested):
    """Stop once the process that started the sandbox is gone.

    A test runner that forks per test (ansible-test units) ends its children without running fixture teardown;
    without this, every such test would leave a sandbox running for good.
    """
    parent = os.getppid()
    while not stop_requested.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent:
            stop_requested.set()


def main(argv=None):
    arguments = _arguments(argv)
    stop_requested = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_ignored: stop_requested.set())
    threading.Thread(target=_stop_when_orphaned, args=(stop_requested,), daemon=True).start()
    service = SandboxService(arguments.host, arguments.port, arguments.dns_port, arguments.seed)
    service.start()
    if arguments.pid_file:
        arguments.pid_file.write_text(f'{os.getpid()}\n', encoding='ascii')
    print(f'SANDBOX_URL={service.url}', f'SANDBOX_CONTROL={service.control_url}',
          f'SANDBOX_DNS={service.dns.host}:{service.dns.port}', 'SANDBOX_READY', sep='\n', flush=True)
    stop_requested.wait()
    service.stop()
    if arguments.pid_file:
        arguments.pid_file.unlink(missing_ok=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
