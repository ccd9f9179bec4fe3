"""HTTPS with the generated CA bundle, and the command line (run as a subprocess)."""

import json
import subprocess
import sys
import time

import pytest
import requests

from conftest import ADMIN

from ocp_simulator.cli import build_parser
from ocp_simulator.server import SimulatorServer

TASKS = "/api/v2/tasks/instances"


def test_tls_verifies_against_the_written_ca_bundle(scenario_file, tmp_path):
    ca_path = tmp_path / "ca.pem"
    with SimulatorServer(ocp_version="express", scenario_path=str(scenario_file), port=0, tls=True,
                         ca_out=str(ca_path)) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.ca_path == str(ca_path)
        assert "BEGIN CERTIFICATE" in ca_path.read_text()
        response = requests.get(server.url + TASKS, auth=ADMIN, verify=str(ca_path), timeout=10)
        assert response.status_code == 200
        localhost = server.url.replace("127.0.0.1", "localhost")
        assert requests.get(localhost + "/api/status", verify=str(ca_path),
                            timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + TASKS, auth=ADMIN, verify=True, timeout=10)


def wait_for_file(path, process, seconds=30):
    """Poll for the ready file; the process's own lifetime bounds the wait."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the simulator never became ready"
        time.sleep(0.05)
    return json.loads(path.read_text())


def start_cli(*args):
    return subprocess.Popen([sys.executable, "-m", "ocp_simulator", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_ready_file_and_lifetime(scenario_file, tmp_path):
    ready = tmp_path / "ready.json"
    process = start_cli("--scenario", str(scenario_file), "--port", "0", "--admin",
                        "--ready-file", str(ready), "--lifetime", "3", "--log-requests")
    try:
        info = wait_for_file(ready, process)
        assert info["url"] == f"http://127.0.0.1:{info['port']}" and info["ca"] is None
        assert requests.get(info["url"] + TASKS, auth=ADMIN, timeout=10).status_code == 200
        assert requests.get(info["url"] + "/__simulator__/health", timeout=10).json() == {
            "ok": True}
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert info["url"] in stdout
    assert "GET /api/v2/tasks/instances -> 200" in stderr


def test_cli_tls_writes_the_ca_and_reports_it(scenario_file, tmp_path):
    ready, ca_path = tmp_path / "ready.json", tmp_path / "ca.pem"
    process = start_cli("--scenario", str(scenario_file), "--port", "0", "--tls",
                        "--ca-out", str(ca_path), "--ready-file", str(ready),
                        "--lifetime", "3")
    try:
        info = wait_for_file(ready, process)
        assert info["ca"] == str(ca_path)
        assert requests.get(info["url"] + "/api/status", verify=info["ca"],
                            timeout=10).status_code == 200
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0


def test_cli_rejects_an_invalid_scenario(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("users: 42\n")
    process = start_cli("--scenario", str(bad), "--port", "0", "--lifetime", "3")
    _stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "invalid scenario" in stderr


def test_run_time_counting_from_the_cli_and_the_server_keyword(scenario_file, capsys):
    assert build_parser().parse_args(["--run-time-counting", "every_run"]).run_time_counting == "every_run"
    assert build_parser().parse_args([]).run_time_counting is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--run-time-counting", "twice"])
    assert "invalid choice" in capsys.readouterr().err
    server = SimulatorServer(ocp_version="express", scenario_path=str(scenario_file), port=0, run_time_counting="every_run")
    try:
        assert server.engine.run_time_counting == "every_run"
    finally:
        server.stop()
    with pytest.raises(ValueError, match="run_time_counting"):
        SimulatorServer(ocp_version="express", scenario_path=str(scenario_file), port=0, run_time_counting="twice")
