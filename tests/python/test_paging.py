"""ListJobsPage (a jobletd addition): every job, a page at a time, oldest first, by status; and
rnx list on top of it."""
import os
import subprocess
import time

import grpc
import pytest

from conftest import crash_excerpt, BUILD, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, FINAL


@pytest.fixture(scope="module")
def paging_server(certs, workdir, stubs):
    s = start_jobletd(certs, workdir / "data-paging")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


def stub(server, identity="admin"):
    import joblet_pb2_grpc
    ch = server.channel(identity)
    return ch, joblet_pb2_grpc.JobServiceStub(ch)


@pytest.fixture(scope="module")
def seven_jobs(paging_server):
    """Seven finished jobs: five exit 0, two exit 3."""
    import joblet_pb2
    ch, s = stub(paging_server)
    ids = []
    for i in range(7):
        code = 3 if i in (2, 5) else 0
        ids.append(s.RunJob(joblet_pb2.RunJobRequest(name=f"page-{i}", command="sh", args=["-c", f"exit {code}"]),
                            timeout=10).jobUuid)
    deadline = time.monotonic() + 30
    for uid in ids:
        while s.GetJobStatus(joblet_pb2.GetJobStatusReq(uuid=uid), timeout=10).status not in FINAL:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    ch.close()
    return ids


def pages(server, size, statuses=(), identity="admin"):
    import joblet_pb2
    ch, s = stub(server, identity)
    out, token = [], ""
    try:
        for _ in range(100):
            p = s.ListJobsPage(joblet_pb2.ListJobsPageRequest(page_size=size, page_token=token, statuses=list(statuses)),
                               timeout=10)
            out.append(p)
            if not p.next_page_token:
                return out
            token = p.next_page_token
    finally:
        ch.close()
    raise AssertionError("more than 100 pages")


def test_pages_cover_every_job_once_in_listjobs_order(paging_server, seven_jobs):
    import joblet_pb2
    got = pages(paging_server, 3)
    assert [len(p.jobs) for p in got] == [3, 3, 1]
    assert all(p.total_count == 7 for p in got)
    ch, s = stub(paging_server)
    listed = [j.uuid for j in s.ListJobs(joblet_pb2.EmptyRequest(), timeout=10).jobs]
    ch.close()
    assert [j.uuid for p in got for j in p.jobs] == listed == seven_jobs
    # The default page holds them all; the last page has no token.
    one = pages(paging_server, 0)
    assert len(one) == 1 and [j.uuid for j in one[0].jobs] == seven_jobs and one[0].next_page_token == ""


def test_status_filter_and_viewer(paging_server, seven_jobs):
    failed = pages(paging_server, 1, ["failed"], identity="viewer")
    assert [j.uuid for p in failed for j in p.jobs] == [seven_jobs[2], seven_jobs[5]]
    assert failed[0].total_count == 2 and all(j.status == "FAILED" for p in failed for j in p.jobs)
    both = pages(paging_server, 10, ["COMPLETED", "FAILED"])
    assert [j.uuid for j in both[0].jobs] == seven_jobs


def test_a_token_survives_deletions_and_new_jobs(paging_server, seven_jobs):
    import joblet_pb2
    ch, s = stub(paging_server)
    try:
        first = s.ListJobsPage(joblet_pb2.ListJobsPageRequest(page_size=2), timeout=10)
        # The last job of the page and one after it go; a new job comes: the next page goes on
        # from where the first ended, neither repeating nor skipping a job still there.
        s.DeleteJob(joblet_pb2.DeleteJobReq(uuid=first.jobs[-1].uuid), timeout=10)
        s.DeleteJob(joblet_pb2.DeleteJobReq(uuid=seven_jobs[3]), timeout=10)
        new = s.RunJob(joblet_pb2.RunJobRequest(name="page-new", command="true"), timeout=10).jobUuid
        rest, token = [], first.next_page_token
        while token:
            p = s.ListJobsPage(joblet_pb2.ListJobsPageRequest(page_size=2, page_token=token), timeout=10)
            rest += [j.uuid for j in p.jobs]
            token = p.next_page_token
        assert rest == [seven_jobs[2], seven_jobs[4], seven_jobs[5], seven_jobs[6], new]
    finally:
        ch.close()


@pytest.mark.parametrize("request_fields,words", [
    ({"page_token": "garbage"}, "page_token is not one this server gave out"),
    ({"page_size": -1}, "page_size -1 is out of range"),
    ({"page_size": 5001}, "page_size 5001 is out of range"),
    ({"statuses": ["DONE"]}, "unknown job status 'DONE'"),
])
def test_bad_requests_are_named(paging_server, request_fields, words):
    import joblet_pb2
    ch, s = stub(paging_server)
    try:
        with pytest.raises(grpc.RpcError) as e:
            s.ListJobsPage(joblet_pb2.ListJobsPageRequest(**request_fields), timeout=10)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and words in e.value.details(), e.value.details()
    finally:
        ch.close()


def test_rnx_list_pages_and_filters(paging_server, seven_jobs):
    binary = BUILD / "rnx"
    flags = ["--server", paging_server.target, "--cert", str(paging_server.certs / "viewer-client-cert.pem"),
             "--key", str(paging_server.certs / "viewer-client-key.pem"), "--ca", str(paging_server.certs / "ca-cert.pem")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBLET_") and k != "RNX_CONFIG"}
    r = subprocess.run([str(binary), *flags, "list", "--status", "FAILED", "--json"], capture_output=True, text=True,
                       env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    import json
    failed = [j["id"] for j in json.loads(r.stdout)]
    assert seven_jobs[2] in failed and seven_jobs[5] in failed and seven_jobs[0] not in failed, failed
    r = subprocess.run([str(binary), *flags, "list", "--status", "DONE"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode != 0 and "unknown job status 'DONE'" in r.stderr, r.stderr
