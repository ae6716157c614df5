"""Start the sandbox as a child process for tests: start_sandbox(**kw) -> SandboxProcess."""

import os
import pathlib
import subprocess
import sys
import threading

COLLECTION_ROOT = pathlib.Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30
STOP_TIMEOUT = 10
ANNOUNCEMENTS = ('SANDBOX_URL', 'SANDBOX_CONTROL', 'SANDBOX_DNS')


class SandboxProcess:
    """A running sandbox: url, control_url, dns_host, dns_port, pid; stop() ends it (also as a context manager)."""

    def __init__(self, process, announced):
        self._process = process
        self.url = announced['SANDBOX_URL']
        self.control_url = announced['SANDBOX_CONTROL']
        self.dns_host, dns_port = announced['SANDBOX_DNS'].rsplit(':', 1)
        self.dns_port = int(dns_port)
        self.pid = process.pid

    def stop(self):
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exception):
        self.stop()


def _read_announcements(process):
    announced = {}
    for line in process.stdout:
        line = line.strip()
        if line == 'SANDBOX_READY':
            return announced
        name, _equals, value = line.partition('=')
        if name in ANNOUNCEMENTS:
            announced[name] = value
    return None


def start_sandbox(host='127.0.0.1', port=0, dns_port=0, seed='none', pid_file=None):
    """Run `python -m tests.sandbox` from the collection root and wait for SANDBOX_READY."""
    command = [sys.executable, '-m', 'tests.sandbox', '--host', host, '--port', str(port), '--dns-port', str(dns_port), '--seed', seed]
    if pid_file:
        command += ['--pid-file', str(pid_file)]
    environment = dict(os.environ, PYTHONUNBUFFERED='1')
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        command, cwd=COLLECTION_ROOT, stdout=subprocess.PIPE, text=True, env=environment,
    )
    result = {}
    reader = threading.Thread(target=lambda: result.update(announced=_read_announcements(process)), daemon=True)
    reader.start()
    reader.join(READY_TIMEOUT)
    if not result.get('announced'):
        process.kill()
        process.wait()
        process.stdout.close()
        raise RuntimeError(f'sandbox did not become ready: {" ".join(command)}')
    return SandboxProcess(process, result['announced'])
