#!/usr/bin/env python3
"""bench.py: the figures of docs/performance.md, measured against a running stack (run.sh
starts one and passes its environment). Prints tables; asserts nothing.

Every application row is paired, in the same run, with nginx serving the same bytes as a
static file through the same server block (HTTPS, keep-alive): the practical limit of any
response that passes through nginx. wrk checks every response's status and body size.
"""
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.environ["MG_SOURCE_DIR"], "test", "integration"))
import mgtest  # noqa: E402
from mgtest import env, form_fields, get, psql  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CORES = os.cpu_count() or 1
LOGIN_SECONDS = 10  # at least, for the login rows: ~140 logins a run on 2 cores
# nginx's limit on POST /login while the bench runs (test/bench/run.sh starts the stack so)
BENCH_AUTH_LIMIT = ("600000r/m", "100000")
STATIC_DIR = os.path.join(env("MG_SOURCE_DIR"), "app", "static", "bench")
PAGES = [("GET /", "/"), ("GET /api/graph", "/api/graph"),
         ("GET /genres/rock", "/genres/rock"), ("GET /bands/metallica", "/bands/metallica")]

# wrk counts a response as bad unless its status is one of `statuses` and, when `length` is
# not negative, its body has exactly that many bytes.
CHECK_LUA = r"""
local statuses, length = {}, -1
bad = 0
function init(args)
  length = tonumber(args[1])
  for s in string.gmatch(args[2], "%d+") do statuses[tonumber(s)] = true end
end
function response(status, headers, body)
  if not statuses[status] or (length >= 0 and #body ~= length) then bad = bad + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  io.write(string.format("BAD %d\n", n))
end
"""


def parse_duration(text):
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def wrk(url, connections, threads, seconds, length=-1, statuses="200", lua_extra=""):
    """One wrk run: {'rps', 'p50', 'p99' (ms), 'bad', 'requests'}."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_extra + CHECK_LUA)
        script = f.name
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                              "--latency", "-s", script, url, "--", str(length), statuses],
                             capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))  # "1.04s " has a trailing blank
    bad = int(re.search(r"^BAD (\d+)$", out, re.M).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": parse_duration(pct["50"]), "p99": parse_duration(pct["99"]),
            "bad": bad + (1 if errors else 0), "requests": total}


def runs(url, connections, threads, length):
    return [wrk(url, connections, threads, SECONDS, length) for _ in range(RUNS)]


def med(results, key):
    return statistics.median(r[key] for r in results)


def spread(results, key):
    values = [r[key] for r in results]
    return f"{min(values):.0f}-{max(values):.0f}"


def table_row(name, size, conc, app, static):
    ratio = med(app, "rps") / med(static, "rps")
    bad = sum(r["bad"] for r in app + static)
    p99_target = 10.0 if conc == 32 else None
    ok = ratio >= 0.5 and (p99_target is None or med(app, "p99") <= p99_target) and bad == 0
    print(f"{name:<22} {size:>9} {conc:>3} {med(app, 'rps'):>9.0f} {spread(app, 'rps'):>13} "
          f"{med(static, 'rps'):>9.0f} {ratio:>6.0%} {med(app, 'p99'):>8.2f} "
          f"{med(static, 'p99'):>8.2f} {bad:>4}  {'yes' if ok else 'NO'}")


def page_table(title):
    print(f"\n## {title}: application vs nginx static file with the same bytes "
          f"(wrk, HTTPS keep-alive, {RUNS} runs of {SECONDS} s, median)")
    print(f"{'request':<22} {'bytes':>9} {'c':>3} {'app req/s':>9} {'app min-max':>13} "
          f"{'static':>9} {'ratio':>6} {'app p99':>8} {'st. p99':>8} {'bad':>4}  target")
    os.makedirs(STATIC_DIR, exist_ok=True)
    base = env("MG_BASE_URL")
    for name, path in PAGES:
        r = get(path)
        assert r.status == 200, (path, r.status)
        static_name = hashlib.sha256(path.encode()).hexdigest()[:12]
        with open(os.path.join(STATIC_DIR, static_name), "wb") as f:
            f.write(r.body)
        for conc, threads in ((32, 2), (1, 1)):
            app = runs(base + path, conc, threads, len(r.body))
            static = runs(f"{base}/static/bench/{static_name}", conc, threads, len(r.body))
            table_row(name, len(r.body), conc, app, static)


def graph_rebuild_ms(samples=9):
    """Median extra time of the first /api/graph after the data version moved (one worker
    reloads the graph from PostgreSQL and rebuilds its JSON) over a request that hits the
    cache. Both are timed from here, so TLS and nginx cancel out."""
    c = mgtest.Client()

    def timed():
        t = time.perf_counter()
        r = c.get("/api/graph")
        assert r.status == 200
        return (time.perf_counter() - t) * 1000, r.header("ETag")

    warm, cold = [], []
    for _ in range(samples):
        (version,) = psql("UPDATE data_version SET version = version + 1 RETURNING version")[0]
        # the workers hear of the change by notification, milliseconds after the commit: the
        # first answer with the new ETag is the one that reloaded (one from a worker that had
        # not read its notification yet is still a cached answer, and is not counted)
        deadline = time.monotonic() + 5
        while True:
            ms, etag = timed()
            if etag == f'"g{version}"':
                cold.append(ms)
                break
            assert time.monotonic() < deadline, f"no answer with version {version} within 5 s"
        warm.append(timed()[0])  # may reach another worker whose cache is also stale
    for _ in range(samples):
        warm.append(timed()[0])
    warm = sorted(warm)[: len(warm) // 2]  # the cached ones are the faster half
    return statistics.median(cold) - statistics.median(warm)


def counts():
    row = psql("SELECT (SELECT count(*) FROM genres), (SELECT count(*) FROM bands)")[0]
    return int(row[0]), int(row[1])


def make_synthetic_sets(copies=9):
    """copies more sets of the demo genres and bands, slugs suffixed -sN, same structure."""
    src = os.path.join(env("MG_SOURCE_DIR"), "sql", "demo")
    out = tempfile.mkdtemp(prefix="mg-bench-")
    import csv
    with open(os.path.join(src, "musicbrainz", "genres.csv"), newline="") as f:
        genres = list(csv.DictReader(f))
    with open(os.path.join(src, "bands", "bands.csv"), newline="") as f:
        bands = list(csv.DictReader(f))
    gpath, bpath = os.path.join(out, "genres.csv"), os.path.join(out, "bands.csv")
    with open(gpath, "w", newline="") as g, open(bpath, "w", newline="") as b:
        gw, bw = csv.writer(g), csv.writer(b)
        gw.writerow(["slug", "name", "parent_slugs"])
        bw.writerow(["slug", "name", "genre_slugs"])
        for n in range(1, copies + 1):
            sfx = lambda s: "|".join(f"{p}-s{n}" for p in s.split("|") if p)  # noqa: E731
            for row in genres:
                gw.writerow([f"{row['slug']}-s{n}", f"{row['name']} ({n})",
                             sfx(row["parent_slugs"])])
            for row in bands:
                bw.writerow([f"{row['slug']}-s{n}", f"{row['name']} ({n})",
                             sfx(row["genre_slugs"])])
    return out, gpath, bpath


def pbkdf2_ms(iterations):
    t = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"correct horse battery", os.urandom(16), iterations, 32)
    return (time.perf_counter() - t) * 1000


def pbkdf2_parallel_rate(iterations, rounds=5):
    """Hashes per second with one thread per core hashing at once (the same OpenSSL PBKDF2;
    hashlib lets go of the GIL while it runs): what the machine does when every core hashes;
    on shared virtual cores it can be less than cores / (one hash alone). Each thread hashes
    `rounds` times (a process pool's map shares the hashes out unevenly)."""
    threads = [threading.Thread(target=lambda: [pbkdf2_ms(iterations) for _ in range(rounds)])
               for _ in range(CORES)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return CORES * rounds / (time.perf_counter() - t)


def login_lua(body, cookie):
    return (f'wrk.method = "POST"\nwrk.body = "{body}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            f'wrk.headers["Cookie"] = "{cookie}"\n')


def login_form():
    c = mgtest.Client()
    token = form_fields(c.get("/login").body, "/login")["csrf_token"]
    cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    return token, cookie


def login_section():
    iterations = int(os.environ.get("MUSICGRAPH_PBKDF2_ITERATIONS", "600000"))
    one = statistics.median(pbkdf2_ms(iterations) for _ in range(5))
    limit = CORES / (one / 1000)
    name, password = f"bench{os.getpid()}", "bench-" + os.urandom(12).hex()
    mgtest.admin("create-user", name, f"{name}@example.org", input=password + "\n")
    token, cookie = login_form()
    body = f"username={name}&password={password}&csrf_token={token}&next=%2F"
    url = env("MG_BASE_URL") + "/login"
    # A run's rate counts the logins answered within it; the hashes of the 2 x CORES logins
    # in flight when wrk stops are lost to it and then slow down whatever runs next. So the
    # runs are long enough for that to be small, and each waits until those hashes are done.
    seconds = max(SECONDS, LOGIN_SECONDS)

    def settled():
        time.sleep(2 * one / 1000 + 0.2)

    res = []
    for _ in range(RUNS):
        settled()
        res.append(wrk(url, 2 * CORES, 2, seconds, -1, "303", login_lua(body, cookie)))
    print(f"\n## Login (PBKDF2-HMAC-SHA256, {iterations} iterations, {RUNS} runs of {seconds} s)")
    print(f"one hash in-process: {one:.1f} ms; limit = {CORES} cores / that = {limit:.1f}/s")
    settled()
    parallel = pbkdf2_parallel_rate(iterations)
    print(f"successful logins: {med(res, 'rps'):.1f}/s (min-max {spread(res, 'rps')}) = "
          f"{med(res, 'rps') / limit:.0%} of the limit (target >= 90%); p99 "
          f"{med(res, 'p99'):.0f} ms; bad {sum(r['bad'] for r in res)}")
    print(f"measured: {CORES} processes hashing at once manage {parallel:.1f}/s; the logins "
          f"reach {med(res, 'rps') / parallel:.0%} of that")

    base = wrk(env("MG_BASE_URL") + "/", 4, 1, SECONDS)
    print(f"GET / alone (c=4): p99 {base['p99']:.2f} ms, {base['rps']:.0f}/s")
    flood_body = f"username={name}&password=wrong-{os.urandom(4).hex()}&csrf_token={token}"
    flood_row("the application's throttle alone (nginx's limit raised out of the way)",
              url, login_lua(flood_body, cookie))
    # as nginx/musicgraph.conf ships: 10 POSTs a minute per address, burst 10
    stack_auth_limit("10r/m", "10")
    try:
        flood_row("nginx's limit_req as shipped (10r/m, burst 10) in front of the throttle",
                  url, login_lua(flood_body, cookie))
    finally:
        stack_auth_limit(*BENCH_AUTH_LIMIT)


def stack_auth_limit(rate, burst):
    subprocess.run(["bash", os.path.join(env("MG_SOURCE_DIR"), "test/lib/stack.sh"), "auth-limit",
                    env("MG_BENCH_STATE"), rate, burst], check=True, capture_output=True)


def flood_row(label, url, lua):
    """100 connections post wrong passwords while 4 connections read /."""
    flood = {}

    def run_flood():
        flood["r"] = wrk(url, 100, 2, SECONDS + 2, -1, "401 429", lua)

    t = threading.Thread(target=run_flood)
    t.start()
    time.sleep(1)
    during = wrk(env("MG_BASE_URL") + "/", 4, 1, SECONDS)
    t.join()
    print(f"GET / during a flood of {flood['r']['requests']} wrong-password POSTs "
          f"({flood['r']['rps']:.0f}/s, answered 401/429, bad "
          f"{flood['r']['bad']}), {label}: p99 {during['p99']:.2f} ms (target <= 50 ms), "
          f"{during['rps']:.0f}/s, bad {during['bad']}")


def memory_section():
    """Each worker's VmRSS and, from smaps_rollup, what it is made of: Pss (shared pages
    divided among the processes that map them), private pages, and anonymous memory (heap
    and mmaps, plus the libraries' relocated pages). VmRSS - private = pages shared with
    the master and the other workers, mostly shared libraries."""
    pids = subprocess.run(["pgrep", "-P", env("MG_SERVER_PID")], capture_output=True,
                          text=True).stdout.split()
    print("\n## Memory after the run (each worker; target VmRSS <= 10 MB)")
    print(f"{'worker pid':<11} {'VmRSS MB':>9} {'Pss MB':>7} {'private MB':>11} {'anon MB':>8}")
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            rss = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))
        with open(f"/proc/{pid}/smaps_rollup") as f:
            kb = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", f.read(), re.M)}
        private = kb["Private_Clean"] + kb["Private_Dirty"]
        print(f"{pid:<11} {rss / 1024:>9.1f} {kb['Pss'] / 1024:>7.1f} {private / 1024:>11.1f} "
              f"{kb['Anonymous'] / 1024:>8.1f}")


def main():
    print(f"# Music Graph benchmark, {time.strftime('%Y-%m-%d %H:%M')} UTC, {CORES} cores, "
          f"workers: {len(subprocess.run(['pgrep', '-P', env('MG_SERVER_PID')], capture_output=True, text=True).stdout.split())}")
    try:
        genres, bands = counts()
        print(f"data: {genres} genres, {bands} bands")
        rebuild1 = graph_rebuild_ms()
        page_table(f"Demo data ({genres} genres, {bands} bands)")
        login_section()
        if os.environ.get("BENCH_SKIP_10X") != "1":
            folder, gpath, bpath = make_synthetic_sets()
            try:
                mgtest.admin("import-genres", gpath, timeout=600)
                mgtest.admin("import-bands", bpath, timeout=600)
            finally:
                shutil.rmtree(folder)
            genres10, bands10 = counts()
            rebuild10 = graph_rebuild_ms()
            page_table(f"Ten times the data ({genres10} genres, {bands10} bands)")
            print(f"\n## /api/graph rebuild after a change: {rebuild1:.1f} ms with "
                  f"{genres} genres, {rebuild10:.1f} ms with {genres10} "
                  f"({rebuild10 / rebuild1:.1f}x for {genres10 / genres:.0f}x the data; "
                  "target <= 10x)")
        else:
            print(f"\n## /api/graph rebuild after a change: {rebuild1:.1f} ms")
        memory_section()
    finally:
        shutil.rmtree(STATIC_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
