#!/usr/bin/env python3
"""A protocol-faithful stand-in of SkyPilot's API server (skypilot 0.14.1, API version 62).

Only the standard library. It speaks the REST protocol described in shared/skypilot/PROTOCOL.md:
the asynchronous request model (POST answers `null` with an `x-skypilot-request-id` header;
`/api/status` lists requests; `/api/get` long-polls and answers HTTP 500 `{"detail": payload}` for a
FAILED request; `return_value` and `error` are JSON text, i.e. double-encoded), version headers,
chunked `text/plain` logs with `<sky-payload>` control lines, and request ids that vanish when the
server "restarts" while managed jobs persist.

Jobs follow scripted timelines. Scenarios are queued before a launch:

    POST /_standin/scenario {"name": "preemption"}            # a built-in one
    POST /_standin/scenario {"launch": {...}, "timeline": [...]} # or spelled out

Other control endpoints:
    POST /_standin/outage {"mode": "503"|"refuse", "seconds": 1.5, "wipe": true}
    POST /_standin/restart                    # wipe request ids now (jobs persist)
    GET  /_standin/requests                   # every API call received: method, path, headers, body
    GET  /_standin/jobs                       # jobs with their launch bodies

Usage: standin.py --port 0 [--host 127.0.0.1] [--token sky_...] [--speed 1.0]
Prints `PORT <n>` on stdout once it listens.
"""

import argparse
import base64
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API_VERSION = 62
VERSION = "0.14.1"
COMMIT = "7e595970a806dcc9eefadf459f399edf1733e962"
USER_HASH = "fcd1e5cf"

# Headers every uvicorn answer carried in the captures (after date/server/content-*).
COMMON_HEADERS = [
    ("vary", "Origin"),
]
SECURITY_HEADERS = [
    ("content-security-policy",
     "default-src 'self'; script-src 'self' https://usage-v3.skypilot.co; style-src 'self' 'unsafe-inline'; "
     "font-src 'self'; connect-src 'self' https://usage-v3.skypilot.co http://localhost:* http://127.0.0.1:*; "
     "worker-src 'self' blob:; frame-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
     "form-action 'self'; frame-ancestors 'self'"),
    ("x-frame-options", "SAMEORIGIN"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
]

NO_CLOUD = "Cloud access is not set up. Run: \x1b[1msky check\x1b[0m"

TERMINAL_JOB = {"SUCCEEDED", "CANCELLED", "FAILED", "FAILED_SETUP", "FAILED_PRECHECKS",
                "FAILED_NO_RESOURCE", "FAILED_CONTROLLER"}
TERMINAL_REQUEST = {"SUCCEEDED", "FAILED", "CANCELLED"}


def step(status, after, log=None, **extra):
    d = {"status": status, "after": after, "log": log or []}
    d.update(extra)
    return d


def builtin_scenario(name):
    """Timelines as SkyPilot shows them; `after` is seconds since the previous step."""
    launch_log = ["Launching managed job '{name}' from jobs controller...",
                  "Submitted managed job {job_id}."]
    if name == "success":
        return {"launch": {"delay": 0.3, "log": launch_log},
                "timeline": [step("PENDING", 0), step("STARTING", 0.4),
                             step("RUNNING", 0.4, ["hello from the GPU", "GPU 0: NVIDIA H100 80GB HBM3"]),
                             step("SUCCEEDED", 0.6, ["training done"])]}
    if name == "failed_setup":
        return {"launch": {"delay": 0.2, "log": launch_log},
                "timeline": [step("PENDING", 0), step("STARTING", 0.3),
                             step("FAILED_SETUP", 0.4, ["pip install -r requirements.txt", "ERROR: No matching distribution found for torch==9.9"],
                                  failure_reason="Setup failed with return code 1. Check the \x1b[1mlogs\x1b[0m above.")]}
    if name == "failed_no_resource":
        return {"launch": {"delay": 0.2, "log": launch_log},
                "timeline": [step("PENDING", 0), step("STARTING", 0.3),
                             step("FAILED_NO_RESOURCE", 0.4, [],
                                  failure_reason="Failed to provision all possible launchable resources. "
                                                 "Max attempts reached. \x1b[31mH100:8 not available\x1b[0m")]}
    if name == "failed_prechecks":
        return {"launch": {"delay": 0.2, "log": launch_log},
                "timeline": [step("PENDING", 0), step("STARTING", 0.3),
                             step("FAILED_PRECHECKS", 0.3, [],
                                  failure_reason="[sky.exceptions.NoCloudAccessError] " + NO_CLOUD)]}
    if name == "preemption":
        return {"launch": {"delay": 0.2, "log": launch_log},
                "timeline": [step("PENDING", 0), step("STARTING", 0.3),
                             step("RUNNING", 0.4, ["epoch 1"]),
                             step("RECOVERING", 0.5, [], recovery_count=1),
                             step("RUNNING", 0.5, ["epoch 2"], recovery_count=1),
                             step("RECOVERING", 0.5, [], recovery_count=2),
                             step("RUNNING", 0.5, ["epoch 3"], recovery_count=2),
                             step("SUCCEEDED", 0.5, ["done after 2 preemptions"], recovery_count=2)]}
    if name == "cancel":
        return {"launch": {"delay": 0.2, "log": launch_log},
                "timeline": [step("PENDING", 0)]}
    if name == "long_running":
        return {"launch": {"delay": 0.2, "log": launch_log},
                "timeline": [step("PENDING", 0), step("STARTING", 0.3),
                             step("RUNNING", 0.3, ["step 1"]), step("RUNNING", 1.0, ["step 2"]),
                             step("RUNNING", 1.0, ["step 3"]), step("RUNNING", 1.0, ["step 4"]),
                             step("SUCCEEDED", 1.0, ["finished"])]}
    if name == "no_cloud":
        return {"launch": {"delay": 0.3, "log": ["Ensuring the jobs controller sky-jobs-controller-fcd1e5cf is up before continuing job launch...",
                                                  "Choosing resources for managed jobs controller..."],
                           "error": {"type": "NoCloudAccessError", "message": NO_CLOUD}},
                "timeline": []}
    if name == "lost_response":
        s = builtin_scenario("success")
        s["launch"]["lose_response"] = True
        return s
    raise KeyError(name)


class Request:
    def __init__(self, name, body, user_id, schedule_type="short"):
        self.request_id = str(uuid.uuid4())
        self.name = name
        self.body = body
        self.user_id = user_id
        self.status = "PENDING"
        self.created_at = time.time()
        self.finished_at = None
        self.return_value = None  # Python value, JSON-encoded on output
        self.error = None  # {"type", "message"}
        self.log = []
        self.schedule_type = schedule_type
        self.cluster_name = None

    def finish(self, value=None, error=None, cancelled=False):
        self.status = "CANCELLED" if cancelled else ("FAILED" if error else "SUCCEEDED")
        self.return_value = value
        self.error = error
        self.finished_at = time.time()

    def payload(self, readable):
        """RequestPayload; `readable` is /api/status's encoding."""
        if readable:
            entrypoint = self.name.rsplit(".", 1)[-1]
            request_body = json.dumps(self.body, separators=(",", ":"))
            return_value, error = "null", "null"
        else:
            entrypoint = base64.b64encode(b"\x80\x04\x95" + self.name.encode()).decode()
            request_body = base64.b64encode(b"\x80\x04\x95" + json.dumps(self.body).encode()).decode()
            return_value = json.dumps(self.return_value, separators=(",", ":"))
            if self.error:
                obj = base64.b64encode(json.dumps({"type": self.error["type"], "message": self.error["message"],
                                                    "args": [self.error["message"]], "attributes": {},
                                                    "stacktrace": "Traceback (most recent call last): ..."}).encode()).decode()
                error = json.dumps({"object": obj, "type": self.error["type"], "message": self.error["message"]},
                                   separators=(",", ":"))
            else:
                error = "null"
        return {"request_id": self.request_id, "name": self.name, "entrypoint": entrypoint,
                "request_body": request_body, "status": self.status, "created_at": self.created_at,
                "user_id": self.user_id, "return_value": return_value, "error": error, "pid": os.getpid(),
                "schedule_type": self.schedule_type, "user_name": None, "cluster_name": self.cluster_name,
                "status_msg": None, "should_retry": False, "finished_at": self.finished_at,
                "file_mounts_blob_id": None}


class Job:
    def __init__(self, job_id, name, task_yaml, scenario, user_name, user_hash, speed):
        self.job_id = job_id
        self.name = name
        self.task_yaml = task_yaml
        self.user_name = user_name
        self.user_hash = user_hash
        self.submitted_at = time.time()
        self.cancel_at = None
        self.cancel_by = None
        # Absolute times for each step.
        t = self.submitted_at
        self.steps = []
        for s in scenario.get("timeline") or [step("PENDING", 0)]:
            t += float(s.get("after", 0)) / speed
            self.steps.append(dict(s, at=t))

    def view(self, now=None):
        """(status, failure_reason, recovery_count, log lines, end_at) at `now`."""
        now = now or time.time()
        status, failure, recovery, lines, end_at = "PENDING", None, 0, [], None
        for s in self.steps:
            if s["at"] > now or (self.cancel_at is not None and s["at"] > self.cancel_at):
                break
            status = s["status"]
            failure = s.get("failure_reason", failure)
            recovery = s.get("recovery_count", recovery)
            lines.extend(s.get("log", []))
            if status in TERMINAL_JOB:
                end_at = s["at"]
        if self.cancel_at is not None and status not in TERMINAL_JOB and now >= self.cancel_at:
            if now >= self.cancel_at + 0.3:
                status, end_at = "CANCELLED", self.cancel_at + 0.3
            else:
                status = "CANCELLING"
        return status, failure, recovery, lines, end_at

    def record(self):
        status, failure, recovery, _, end_at = self.view()
        details = None
        if failure:
            details = "Failure: " + failure
        elif status == "CANCELLED":
            details = "Cancellation requested by user %s (request ID: %s)" % (self.user_name, self.cancel_by)
        elif status == "PENDING":
            details = "Waiting for other jobs to launch"
        return {"_job_id": self.job_id, "job_id": self.job_id, "task_id": 0, "job_name": self.name,
                "task_name": self.name, "job_duration": 0.0, "workspace": "default", "status": status,
                "schedule_state": "DONE" if status in TERMINAL_JOB else "WAITING", "resources": "1x[H100:1]",
                "cluster_resources": "-", "cluster_resources_full": "-", "cloud": "-", "region": "-", "zone": "-",
                "infra": "-", "recovery_count": recovery, "details": details, "failure_reason": failure,
                "user_name": self.user_name, "user_hash": self.user_hash, "submitted_at": self.submitted_at,
                "start_at": None, "end_at": end_at, "user_yaml": self.task_yaml, "entrypoint": "standin",
                "metadata": {}, "controller_pid": os.getpid(), "pool": None, "priority": 0,
                "current_cluster_name": None, "execution": "serial", "is_job_group": False}


class State:
    def __init__(self, speed):
        self.lock = threading.Condition()
        self.speed = speed
        self.requests = {}
        self.jobs = {}
        self.next_job_id = 1
        self.scenarios = []
        self.calls = []
        self.outage_until = 0.0
        self.outage_mode = None
        self.launches = 0

    def tick(self):
        """Finishes launch requests whose time has come; called under the lock."""
        now = time.time()
        for r in list(self.requests.values()):
            if r.status in TERMINAL_REQUEST or r.name != "sky.jobs.launch":
                continue
            scenario = r.scenario
            launch = scenario.get("launch", {})
            if r.status == "PENDING" and now >= r.created_at + 0.05:
                r.status = "RUNNING"
                r.log.extend(l.format(name=r.body.get("name")) for l in launch.get("log", []) if "{job_id}" not in l)
            if r.status == "RUNNING" and now >= r.created_at + float(launch.get("delay", 0.2)) / self.speed:
                if launch.get("error"):
                    e = launch["error"]
                    r.log.append("sky.exceptions.%s: %s" % (e["type"], e["message"]))
                    r.finish(error={"type": e["type"], "message": e["message"]})
                else:
                    self.create_job(r, scenario)
        self.lock.notify_all()

    def create_job(self, r, scenario):
        job_id = self.next_job_id
        self.next_job_id += 1
        env = r.body.get("env_vars") or {}
        job = Job(job_id, r.body.get("name"), r.body.get("task"), scenario, env.get("SKYPILOT_USER", "root"),
                  env.get("SKYPILOT_USER_ID", USER_HASH), self.speed)
        self.jobs[job_id] = job
        for line in scenario.get("launch", {}).get("log", []):
            if "{job_id}" in line:
                r.log.append(line.format(name=job.name, job_id=job_id))
        r.finish(value={"job_id": [job_id], "handle": base64.b64encode(b"\x80\x04\x95handle").decode()})
        return job


STATE = None
SERVER = None
ARGS = None
CONNECTIONS = set()
CONNECTIONS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "uvicorn"
    sys_version = ""

    def log_message(self, fmt, *args):
        if ARGS.verbose:
            sys.stderr.write("standin: " + (fmt % args) + "\n")

    def setup(self):
        super().setup()
        with CONNECTIONS_LOCK:
            CONNECTIONS.add(self.connection)

    def finish(self):
        with CONNECTIONS_LOCK:
            CONNECTIONS.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # Answers in uvicorn's shape: lower-case headers, date and server first.
    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("date", self.date_time_string())
        self.send_header("server", "uvicorn")

    def start(self, code, content_type, length=None, request_id=None, extra=()):
        self.send_response(code)
        for name, value in extra:
            self.send_header(name, value)
        if length is None:
            self.send_header("transfer-encoding", "chunked")
        else:
            self.send_header("content-length", str(length))
        self.send_header("content-type", content_type)
        if self.versions_ok:
            self.send_header("x-skypilot-api-version", str(API_VERSION))
            self.send_header("x-skypilot-version", VERSION)
        for name, value in COMMON_HEADERS:
            self.send_header(name, value)
        self.send_header("x-skypilot-request-id", request_id or str(uuid.uuid4()))
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        self.end_headers()

    def reply_json(self, code, value, request_id=None, raw=None):
        data = raw if raw is not None else json.dumps(value, separators=(",", ":")).encode()
        self.start(code, "application/json", len(data), request_id)
        self.wfile.write(data)

    def chunk(self, text):
        data = text.encode()
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # Dispatch

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        url = urlparse(self.path)
        self.query = parse_qs(url.query)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        api_version = self.headers.get("x-skypilot-api-version")
        self.versions_ok = api_version is not None and self.headers.get("x-skypilot-version") is not None
        if url.path.startswith("/_standin/"):
            return self.control(method, url.path, raw)
        with STATE.lock:
            STATE.calls.append({"method": method, "path": url.path, "query": url.query,
                                "headers": {k.lower(): v for k, v in self.headers.items()},
                                "body": raw.decode(errors="replace"), "time": time.time()})
            outage = STATE.outage_mode if time.time() < STATE.outage_until else None
        if outage == "503":
            return self.reply_json(503, {"detail": "Server is shutting down, please try again later."})
        if ARGS.token and self.headers.get("authorization") != "Bearer " + ARGS.token:
            if (self.headers.get("authorization") or "").startswith("Bearer sky_"):
                return self.reply_json(401, {"detail": "Invalid or expired service account token"})
            return self.reply_json(401, {"detail": "Authentication required"})
        if self.versions_ok:
            try:
                v = int(api_version)
            except ValueError:
                return self.reply_json(500, None, raw=b"Internal Server Error")
            if v < 24:
                return self.reply_json(400, {"error": "version_mismatch", "message":
                                             "\x1b[33mYour SkyPilot client version is too old:0.9.0\n\x1b[0mThe server is running on 0.14.1 and the minimum compatible version is 0.11.0.\nUpgrade your client with:\n\x1b[33mpip install -U \"skypilot==0.14.1\"\x1b[0m"})
        routes = {
            ("GET", "/api/health"): self.health,
            ("GET", "/api/status"): self.api_status,
            ("GET", "/api/get"): self.api_get,
            ("GET", "/api/stream"): self.api_stream,
            ("POST", "/api/cancel"): self.api_cancel,
            ("POST", "/jobs/launch"): self.jobs_launch,
            ("POST", "/jobs/queue/v2"): self.jobs_queue,
            ("POST", "/jobs/cancel"): self.jobs_cancel,
            ("POST", "/jobs/logs"): self.jobs_logs,
        }
        handler = routes.get((method, url.path))
        if handler is None:
            return self.reply_json(404 if method == "GET" else 405, {"detail": "Not Found"})
        body = None
        if method == "POST":
            if "application/json" not in (self.headers.get("content-type") or ""):
                return self.reply_json(422, {"detail": [{"type": "model_attributes_type", "loc": ["body"],
                                                         "msg": "Input should be a valid dictionary or object to extract fields from",
                                                         "input": raw.decode(errors="replace")}]})
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self.reply_json(422, {"detail": [{"type": "json_invalid", "loc": ["body", 0],
                                                         "msg": "JSON decode error", "input": {}}]})
            if not isinstance(body, dict):
                return self.reply_json(422, {"detail": [{"type": "model_attributes_type", "loc": ["body"],
                                                         "msg": "Input should be a valid dictionary", "input": body}]})
        try:
            handler(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # Control

    def control(self, method, path, raw):
        body = json.loads(raw or b"{}") if raw else {}
        if path == "/_standin/scenario":
            scenario = builtin_scenario(body["name"]) if "name" in body else body
            with STATE.lock:
                STATE.scenarios.append(scenario)
            return self.reply_json(200, {"queued": len(STATE.scenarios)})
        if path == "/_standin/restart":
            with STATE.lock:
                STATE.requests.clear()
                STATE.lock.notify_all()
            return self.reply_json(200, {"restarted": True})
        if path == "/_standin/outage":
            seconds = float(body.get("seconds", 1.0))
            mode = body.get("mode", "503")
            with STATE.lock:
                if body.get("wipe", True):
                    STATE.requests.clear()
                    STATE.lock.notify_all()
                STATE.outage_mode = mode
                STATE.outage_until = time.time() + seconds
            if mode == "refuse":
                # Closed before the answer, so the caller's next connection is refused.
                server = SERVER
                server.shutdown()
                server.server_close()
                self.reply_json(200, {"outage": mode, "seconds": seconds})
                threading.Thread(target=refuse_for, args=(server, seconds, self.connection), daemon=True).start()
                return
            return self.reply_json(200, {"outage": mode, "seconds": seconds})
        if path == "/_standin/requests":
            with STATE.lock:
                return self.reply_json(200, STATE.calls)
        if path == "/_standin/jobs":
            with STATE.lock:
                jobs = [dict(j.record(), task=j.task_yaml) for j in STATE.jobs.values()]
                return self.reply_json(200, {"jobs": jobs, "launches": STATE.launches})
        return self.reply_json(404, {"detail": "Not Found"})

    # API

    def health(self, _):
        self.reply_json(200, {"status": "healthy", "api_version": str(API_VERSION), "version": VERSION,
                              "version_on_disk": VERSION, "commit": COMMIT, "basic_auth_enabled": False,
                              "user": None, "service_account_token_enabled": bool(ARGS.token),
                              "ingress_basic_auth_enabled": False, "latest_version": None,
                              "external_proxy_auth_enabled": True, "telemetry_enabled": False,
                              "restrict_config_to_admins": True})

    def user_id(self, body):
        env = (body or {}).get("env_vars") or {}
        return env.get("SKYPILOT_USER_ID", USER_HASH)

    def new_request(self, name, body, schedule_type="short"):
        r = Request(name, dict(body, client_api_version=API_VERSION if self.versions_ok else None),
                    self.user_id(body), schedule_type)
        STATE.requests[r.request_id] = r
        return r

    def api_status(self, _):
        ids = self.query.get("request_ids", [])
        all_status = self.query.get("all_status", ["false"])[0].lower() == "true"
        with STATE.lock:
            STATE.tick()
            out = []
            for r in STATE.requests.values():
                if ids and not any(r.request_id.startswith(p) for p in ids):
                    continue
                if not ids and not all_status and r.status in TERMINAL_REQUEST:
                    continue
                out.append(r.payload(readable=True))
        self.reply_json(200, out)

    def api_get(self, _):
        rid = (self.query.get("request_id") or [""])[0]
        with STATE.lock:
            while True:
                STATE.tick()
                r = STATE.requests.get(rid)
                if r is None:
                    return self.reply_json(404, {"detail": "Request %r not found" % rid})
                if r.status in TERMINAL_REQUEST:
                    payload = r.payload(readable=False)
                    break
                STATE.lock.wait(0.02)
        if payload["status"] == "FAILED":
            return self.reply_json(500, {"detail": payload})
        self.reply_json(200, payload)

    def api_stream(self, _):
        rid = (self.query.get("request_id") or [""])[0]
        follow = (self.query.get("follow") or ["true"])[0].lower() != "false"
        fmt = (self.query.get("format") or ["auto"])[0]
        with STATE.lock:
            r = next((x for x in STATE.requests.values() if x.request_id.startswith(rid)), None) if rid else None
        if r is None:
            return self.reply_json(404, {"detail": "Request %r not found" % rid})
        self.start(200, "text/plain; charset=utf-8", None, extra=[("cache-control", "no-cache, no-transform"),
                                                                 ("x-accel-buffering", "no"),
                                                                 ("x-skypilot-stream-request-id", r.request_id)])
        sent = 0
        if fmt != "plain":
            self.chunk('<sky-payload>"<rich_init>[bold cyan]Launching[/]</rich_init>"</sky-payload>\n')
        while True:
            with STATE.lock:
                STATE.tick()
                lines = r.log[sent:]
                done = r.status in TERMINAL_REQUEST or r.request_id not in STATE.requests
            for line in lines:
                self.chunk(line + "\n")
            sent += len(lines)
            if done or not follow:
                break
            time.sleep(0.03)
        if fmt != "plain":
            self.chunk('<sky-payload>"<rich_exit></rich_exit>"</sky-payload>\n')
        self.end_chunks()

    def api_cancel(self, body):
        with STATE.lock:
            r = self.new_request("sky.api_cancel", body)
            cancelled = []
            for rid in body.get("request_ids") or []:
                t = STATE.requests.get(rid)
                if t and t.status not in TERMINAL_REQUEST:
                    t.finish(cancelled=True)
                    cancelled.append(rid)
            r.finish(value=cancelled)
        self.reply_json(200, None, r.request_id)

    def jobs_launch(self, body):
        missing = [k for k in ("task", "name") if k not in body]
        if missing:
            return self.reply_json(422, {"detail": [{"type": "missing", "loc": ["body", k], "msg": "Field required",
                                                     "input": body} for k in missing]})
        with STATE.lock:
            STATE.launches += 1
            scenario = STATE.scenarios.pop(0) if STATE.scenarios else builtin_scenario("success")
            r = self.new_request("sky.jobs.launch", body, "long")
            r.cluster_name = "sky-jobs-controller-" + USER_HASH
            r.scenario = scenario
            if scenario.get("launch", {}).get("lose_response"):
                # The server got it and acts on it; the answer never reaches the client.
                scenario["launch"]["lose_response"] = False
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
        self.reply_json(200, None, r.request_id)

    def jobs_queue(self, body):
        with STATE.lock:
            STATE.tick()
            r = self.new_request("sky.jobs.queue_v2", body)
            r.cluster_name = "sky-jobs-controller-" + USER_HASH
            ids = body.get("job_ids")
            name_match = body.get("name_match")
            fields = body.get("fields")
            records = []
            for job in sorted(STATE.jobs.values(), key=lambda j: -j.job_id):
                if ids is not None and job.job_id not in ids:
                    continue
                if name_match and name_match not in (job.name or ""):
                    continue
                rec = job.record()
                if body.get("skip_finished") and rec["status"] in TERMINAL_JOB:
                    continue
                if fields:
                    rec = {k: rec.get(k) for k in ["job_id", "task_id"] + list(fields) if k in rec}
                    rec["task_id"] = None
                records.append(rec)
            counts = {}
            for rec in records:
                counts[rec.get("status")] = counts.get(rec.get("status"), 0) + 1
            r.finish(value={"jobs": records, "total": len(records), "total_no_filter": len(STATE.jobs),
                            "status_counts": counts, "infra_options": []})
        self.reply_json(200, None, r.request_id)

    def jobs_cancel(self, body):
        with STATE.lock:
            STATE.tick()
            r = self.new_request("sky.jobs.cancel", body)
            # As the live server: job_ids together with all_users is refused.
            given = []
            if body.get("job_ids"):
                given.append("job_ids=" + ",".join(str(i) for i in body["job_ids"]))
            for key in ("name", "pool"):
                if body.get(key):
                    given.append("%s=%s" % (key, body[key]))
            given += [k for k in ("all", "all_users") if body.get(k)]
            if len(given) != 1:
                r.finish(error={"type": "ValueError",
                                "message": "Can only specify one of JOB_IDS, name, pool, or all/all_users. "
                                           "Provided '%s'." % " ".join(given)})
            else:
                cancelled = False
                for jid in body.get("job_ids") or []:
                    job = STATE.jobs.get(jid)
                    if job is None:
                        r.log.append("Job %d not found. Skipped." % jid)
                        continue
                    status = job.view()[0]
                    if status in TERMINAL_JOB:
                        r.log.append("Job %d is already in terminal state %s. Skipped." % (jid, status))
                        continue
                    if job.cancel_at is None:
                        job.cancel_at = time.time()
                        job.cancel_by = r.request_id
                    r.log.append("Job with ID %d is scheduled to be cancelled." % jid)
                    cancelled = True
                if not cancelled:
                    r.log.append("No job to cancel.")
                r.finish(value=None)
        self.reply_json(200, None, r.request_id)

    def jobs_logs(self, body):
        jid = body.get("job_id")
        follow = body.get("follow", True)
        with STATE.lock:
            r = self.new_request("sky.jobs.logs", body)
            job = STATE.jobs.get(jid)
        self.start(200, "text/plain; charset=utf-8", None, r.request_id,
                   extra=[("cache-control", "no-cache, no-transform"), ("x-accel-buffering", "no")])
        if job is None:
            self.chunk("\x1b[33mJob %s not found.\x1b[0m\n" % jid)
            self.end_chunks()
            with STATE.lock:
                r.finish(value=102)
            return
        waiting = ("[bold cyan]Waiting for task to start[/]. It may take a few minutes.\\n  "
                   "[dim]View controller logs: sky jobs logs --controller %d[/]" % jid)
        for tag in ("rich_init", "rich_update", "rich_start"):
            self.chunk('<sky-payload>"<%s>%s</%s>"</sky-payload>\n' % (tag, waiting, tag))
        sent = 0
        last_beat = time.time()
        exited = False
        while True:
            status, failure, _, lines, _ = job.view()
            if status in ("RUNNING", "WINDING_DOWN", "RECOVERING", "CANCELLING") or status in TERMINAL_JOB:
                if not exited:
                    self.chunk('<sky-payload>"<rich_exit></rich_exit>"</sky-payload>\n')
                    exited = True
                for line in lines[sent:]:
                    self.chunk(line + "\n")
                sent = len(lines)
            if status in TERMINAL_JOB or not follow:
                break
            if time.time() - last_beat > ARGS.heartbeat:
                self.chunk('<sky-payload>"<heartbeat></heartbeat>"</sky-payload>\n')
                last_beat = time.time()
            time.sleep(0.03)
        if status in TERMINAL_JOB:
            if follow:
                self.chunk("\x1b[32m\u2713 Managed job finished: %d (status: %s).\x1b[0m\n" % (jid, status))
            elif failure:
                self.chunk("Failure reason: %s\n" % failure)
        self.end_chunks()
        code = 0 if status == "SUCCEEDED" else 103 if status == "CANCELLED" else 100 if status in TERMINAL_JOB else 101
        with STATE.lock:
            r.finish(value=code)


def refuse_for(server, seconds, keep):
    """With the listener closed: drop every open connection (but `keep`), then listen again on
    the same port after `seconds`."""
    global SERVER
    with CONNECTIONS_LOCK:
        for conn in list(CONNECTIONS):
            if conn is keep:
                continue
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    time.sleep(seconds)
    while True:
        try:
            SERVER = ThreadingHTTPServer((ARGS.host, server.server_address[1]), Handler)
            break
        except OSError:
            time.sleep(0.05)
    SERVER.daemon_threads = True
    threading.Thread(target=SERVER.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def main():
    global STATE, SERVER, ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=46580)
    p.add_argument("--token", default=None, help="require Authorization: Bearer TOKEN")
    p.add_argument("--speed", type=float, default=1.0, help="timeline speed factor")
    p.add_argument("--heartbeat", type=float, default=1.0, help="seconds between heartbeat payloads")
    p.add_argument("--scenario", action="append", default=[], help="queue a built-in scenario")
    p.add_argument("--verbose", action="store_true")
    ARGS = p.parse_args()
    # A parent (e.g. an XCTest process) may hand down SIGTERM blocked or ignored: end on it anyway.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    STATE = State(ARGS.speed)
    for name in ARGS.scenario:
        STATE.scenarios.append(builtin_scenario(name))
    SERVER = ThreadingHTTPServer((ARGS.host, ARGS.port), Handler)
    SERVER.daemon_threads = True
    print("PORT %d" % SERVER.server_address[1], flush=True)
    threading.Thread(target=SERVER.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    # Launch requests advance with time, also when nobody asks.
    try:
        while True:
            time.sleep(0.05)
            with STATE.lock:
                STATE.tick()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
