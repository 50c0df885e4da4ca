#!/usr/bin/env python3
"""Turns the chat-bench JSON reports of one bench/run.sh run into results.md (tables,
saturation points, ratios) and fan-out plots (PNG, through gnuplot).

    summarize.py DIR [--check]

After the fan-out tables come the server CPU per frame of chat-server against Node `ws`
and Socket.IO at each offered load that every server delivered in full, and each server's
highest load kept up, with their ratios; these lines also go to stdout. A CPU figure is
the server's CPU time (user + system) in the measured window divided by the frames it
wrote there that the generator counted: deliveries to the room's other members plus acks
(chat-bench's `server_cpu_us_per_frame`). Points where the generator may have been the
limit (chat-bench's `generator_bound`) are marked.

--check (the smoke run): also verifies that every run started was completed and
reported, none was skipped, everything was delivered, and in the storm chat-server's
publishers published at their rate and its subscribers lost and doubled nothing; and that
every fan-out point of every server has a finite, positive server CPU per frame and the
CPU ratios were computed. Prints "N passed, N failed", counting the checks of chat-server
itself and those CPU figures and ratios (of the reference servers' other checks, only a
failure counts).
"""
import json
import math
import pathlib
import subprocess
import sys

SERVERS = ["chat", "ws", "socketio"]
NAMES = {"chat": "chat-server (SQLite, durable)", "ws": "Node ws", "socketio": "Socket.IO"}
# A point "keeps up" when nearly all offered deliveries arrive within the window, none is
# lost, and the p99 stays under a second.
KEEP_UP_SHARE = 0.95
KEEP_UP_P99_MS = 1000.0
# Reports written before chat-bench decided `generator_bound` itself: its CPU rule alone.
GENERATOR_BOUND_CPU = 90.0


def load(directory):
    reports = {}
    for path in sorted(directory.glob("*.json")):
        report = json.loads(path.read_text())
        reports[(report["label"], report["target"])] = report
    return reports


def keeps_up(report, point):
    # Rooms are filled in order, so with fewer clients than a room holds they are smaller.
    members = report["clients"] / report["rooms"]
    owed = point["offered_per_s"] * (members - 1)
    return (
        point["delivered_per_s"] >= KEEP_UP_SHARE * owed
        and point["undelivered"] == 0
        and point["delivery_latency"]["p99_ms"] < KEEP_UP_P99_MS
    )


def saturation(report):
    """The highest offered load that kept up, and whether a higher one failed to."""
    best = None
    for point in report["points"]:
        if keeps_up(report, point):
            best = point
    points = report["points"]
    beyond = best is not None and best is points[-1]
    return best, beyond


def percentiles(latency):
    # Past saturation, none of a window's messages may arrive before the drain ends.
    if latency["count"] == 0:
        return "none arrived"
    return f"{latency['p50_ms']:.1f} / {latency['p99_ms']:.1f}"


def ack_percentiles(ack):
    if ack["count"] == 0:
        return "none acked"
    return f"{ack['p50_ms']:.1f} / {ack['p99_ms']:.1f} / {ack['p999_ms']:.1f}"


def cpu(process):
    return f"{process['cpu_percent']:.0f}%" if process else "n/a"


def generator_bound(point):
    if "generator_bound" in point:
        return point["generator_bound"]
    return bool(point["generator"]) and point["generator"]["cpu_percent"] >= GENERATOR_BOUND_CPU


def cpu_per_frame(point):
    """Server CPU µs per frame (deliveries + acks in the window), or None. Reports written
    before chat-bench computed it: derived from the CPU share and the window's rates."""
    if "server_cpu_us_per_frame" in point:
        return point["server_cpu_us_per_frame"]
    frames_per_s = point["delivered_per_s"] + point["acked_per_s"]
    if not point["server"] or frames_per_s <= 0:
        return None
    return point["server"]["cpu_percent"] / 100 * 1e6 / frames_per_s


def finite_positive(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def us(value):
    if not finite_positive(value):
        return "n/a"
    if value >= 100:
        return f"{value:,.0f} µs"
    return f"{value:.1f} µs" if value >= 10 else f"{value:.2f} µs"


def all_delivered(point):
    return point["undelivered"] == 0 and point["expected_deliveries"] > 0


def kept_up_strictly(point):
    """The rule of the "highest load kept up" lines: nothing undelivered, p99 under 1 s."""
    return (
        all_delivered(point)
        and point["delivery_latency"]["count"] > 0
        and point["delivery_latency"]["p99_ms"] < KEEP_UP_P99_MS
    )


def highest_kept_up(report):
    """(point, note): the highest offered load kept up, and why the server's limit may lie
    higher ("" when a higher point failed on the server's account); (None, "") if none."""
    points = sorted(report["points"], key=lambda p: p["offered_per_s"])
    best = None
    for index, point in enumerate(points):
        if kept_up_strictly(point):
            best = index
    if best is None:
        return None, ""
    point = points[best]
    if generator_bound(point):
        return point, "generator-bound"
    if best == len(points) - 1:
        return point, "the highest point measured"
    above = points[best + 1]
    if generator_bound(above):
        return point, f"the next point, {above['offered_per_s']:,.0f}, was generator-bound"
    return point, ""


def compare(reports, label):
    """chat-server's server CPU per frame against each other server's at each offered
    load where every server delivered everything, and the highest loads kept up.
    Returns the lines to print and, for --check, the ratios per reference server and the
    loads that every server delivered in full (None without chat-server and another)."""
    runs = {kind: reports.get((label, kind)) for kind in SERVERS}
    runs = {kind: r for kind, r in runs.items() if r}
    others = [kind for kind in runs if kind != "chat"]
    if "chat" not in runs or not others:
        return None
    by_load = {kind: {p["offered_per_s"]: p for p in r["points"]} for kind, r in runs.items()}
    loads = sorted(set.intersection(*(set(points) for points in by_load.values())))
    full = [load for load in loads if all(all_delivered(by_load[kind][load]) for kind in runs)]
    ratios = {kind: {} for kind in others}
    lines = [
        "Server CPU per frame (µs of server CPU, user + system, per frame written in the measured "
        "window: deliveries to the room's other members plus acks), and chat-server's as a "
        "multiple of each other server's, at each offered load that every server delivered in full:",
        "",
    ]
    for load in full:
        ours = cpu_per_frame(by_load["chat"][load])
        parts = [f"{NAMES['chat']} {us(ours)}"]
        for kind in others:
            theirs = cpu_per_frame(by_load[kind][load])
            if finite_positive(ours) and finite_positive(theirs):
                ratios[kind][load] = ours / theirs
                parts.append(f"{NAMES[kind]} {us(theirs)} (chat-server {ours / theirs:.2f}×)")
            else:
                parts.append(f"{NAMES[kind]} {us(theirs)} (no ratio)")
        bound = [NAMES[kind] for kind in runs if generator_bound(by_load[kind][load])]
        note = f" (generator-bound: {', '.join(bound)})" if bound else ""
        lines.append(f"- {load:,.0f} msg/s{note}: " + "; ".join(parts))
    if not full:
        lines.append("- none: at every offered load some server left deliveries undelivered")
    lines += [
        "",
        f"Highest offered load kept up (nothing undelivered, delivery p99 < {KEEP_UP_P99_MS / 1000:g} s; "
        "≥: the server's limit lies higher or is not known):",
        "",
    ]
    highest = {}
    for kind in runs:
        point, note = highest_kept_up(runs[kind])
        highest[kind] = (point, note)
        if point is None:
            lines.append(f"- {NAMES[kind]}: none of the points")
            continue
        at_least = "≥ " if note else ""
        lines.append(
            f"- {NAMES[kind]}: {at_least}{point['offered_per_s']:,.0f} msg/s"
            f" ({point['delivered_per_s']:,.0f} deliveries/s, p99 {point['delivery_latency']['p99_ms']:.1f} ms"
            + (f"; {note})" if note else ")")
        )
    ours, our_note = highest["chat"]
    for kind in others:
        theirs, their_note = highest[kind]
        if ours is None or theirs is None:
            lines.append(f"- chat-server ÷ {NAMES[kind]}: n/a (one kept up at none of the points)")
            continue
        ratio = ours["offered_per_s"] / theirs["offered_per_s"]
        if our_note and their_note:
            lines.append(
                f"- chat-server ÷ {NAMES[kind]}: not measured, both limits may lie higher "
                f"(of the points above: {ratio:.2f}×)"
            )
            continue
        prefix = "≥ " if our_note else "≤ " if their_note else ""
        lines.append(f"- chat-server ÷ {NAMES[kind]}: {prefix}{ratio:.2f}×")
    return {"lines": lines, "ratios": ratios, "full": full, "others": others}


def fanout_section(reports, label, title):
    runs = {kind: reports.get((label, kind)) for kind in SERVERS}
    runs = {kind: r for kind, r in runs.items() if r}
    if not runs:
        return ""
    first = next(iter(runs.values()))
    lines = [
        f"### {title}",
        "",
        f"{first['clients']} clients in rooms of {first['room_size']}, {first['senders']} senders, "
        f"{first['message_size']}-byte messages; {first['warmup_s']:g} s warm-up and "
        f"{first['duration_s']:g} s measured per point. Delivered = messages received per second by "
        f"all clients (offered × {first['room_size'] - 1} when keeping up); latency from when a "
        "message was due to its arrival; CPU = server, % of its one core (generator's in brackets); "
        "µs/frame = server CPU time per frame it wrote in the window (deliveries + acks).",
        "",
    ]
    header = "| offered msg/s |"
    rule = "|---:|"
    for kind in runs:
        header += f" {NAMES[kind]}: delivered/s | p50 / p99 ms | CPU | µs/frame |"
        rule += "---:|---:|---:|---:|"
    lines += [header, rule]
    for index, point in enumerate(first["points"]):
        row = f"| {point['offered_per_s']:,.0f} |"
        for kind, report in runs.items():
            p = report["points"][index]
            flags = []
            if p["undelivered"]:
                flags.append(f"{p['undelivered']:,} undelivered")
            if generator_bound(p):
                flags.append("generator-bound")
            mark = "" if keeps_up(report, p) else " ✗"
            note = f" ({', '.join(flags)})" if flags else ""
            row += (
                f" {p['delivered_per_s']:,.0f}{mark}{note} |"
                f" {percentiles(p['delivery_latency'])} |"
                f" {cpu(p['server'])} ({cpu(p['generator'])}) |"
                f" {us(cpu_per_frame(p))} |"
            )
        lines.append(row)
    lines += ["", "✗: did not keep up (under 95 % of the owed deliveries, a loss, or p99 ≥ 1 s).", ""]
    lines += ["Saturation (highest offered load that kept up):", ""]
    reference = None
    for kind, report in runs.items():
        best, beyond = saturation(report)
        if best is None:
            lines.append(f"- {NAMES[kind]}: none of the points")
            continue
        more = " (the highest point measured; the limit is higher)" if beyond else ""
        delivered = best["delivered_per_s"]
        if kind == "chat":
            reference = delivered
        ratio = f", {delivered / reference:.2f}× chat-server" if reference and kind != "chat" else ""
        lines.append(
            f"- {NAMES[kind]}: {best['offered_per_s']:,.0f} msg/s offered, "
            f"{delivered:,.0f} deliveries/s, p99 {best['delivery_latency']['p99_ms']:.1f} ms{more}{ratio}"
        )
    comparison = compare(reports, label)
    if comparison:
        lines += [""] + comparison["lines"]
    errors = {kind: r["errors"] for kind, r in runs.items() if r["errors"]}
    if errors:
        lines += ["", f"Errors: {errors}"]
    return "\n".join(lines) + "\n"


def watch_section(reports):
    """Rooms of 10 with the receivers joined, and with them on their room list."""
    joined = reports.get(("fanout-room10", "chat"))
    watching = reports.get(("fanout-room10-watch", "chat"))
    if not watching:
        return ""
    lines = [
        "### Fan-out to room lists (chat-server)",
        "",
        f"The rooms of 10 above, with only the senders joined: the other {watching['room_size'] - 1} "
        "members of each room are on their room list and receive each message as a `room_updated` "
        "summary (badge and preview) instead of the `message` frame. Same points, same run.",
        "",
        "| offered msg/s | joined: delivered/s | p50 / p99 ms | CPU | µs/frame "
        "| room list: delivered/s | p50 / p99 ms | CPU | µs/frame | µs/frame, room list ÷ joined |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_rate = {p["offered_per_s"]: p for p in joined["points"]} if joined else {}
    for w in watching["points"]:
        j = by_rate.get(w["offered_per_s"])
        mark = "" if keeps_up(watching, w) else " ✗"
        cells = [f"{w['offered_per_s']:,.0f}"]
        if j:
            jmark = "" if keeps_up(joined, j) else " ✗"
            cells += [f"{j['delivered_per_s']:,.0f}{jmark}", percentiles(j["delivery_latency"]),
                      cpu(j["server"]), us(cpu_per_frame(j))]
        else:
            cells += ["–"] * 4
        cells += [f"{w['delivered_per_s']:,.0f}{mark}", percentiles(w["delivery_latency"]),
                  cpu(w["server"]), us(cpu_per_frame(w))]
        ratio = (cpu_per_frame(w) / cpu_per_frame(j)) if j and finite_positive(cpu_per_frame(j)) \
            and finite_positive(cpu_per_frame(w)) else None
        cells.append(f"{ratio:.2f}×" if ratio else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def room_list_section(reports):
    report = reports.get(("room-list", "chat"))
    if not report:
        return ""
    lat = report["latency"]
    per_request = report["server_cpu_us_per_request"]
    return "\n".join([
        "### The room list of a user in many rooms (chat-server)",
        "",
        f"One user in {report['rooms']:,} rooms with {report['unread_per_room']} unread messages each "
        f"asks for the first page of {report['page']} rooms (`GET /v1/rooms?limit={report['page']}`), "
        f"{report['requests']} times, one request at a time.",
        "",
        "| rooms | page | p50 / p99 / max ms | server CPU per request |",
        "|---:|---:|---:|---:|",
        f"| {report['rooms']:,} | {report['page']} | {lat['p50_ms']:.2f} / {lat['p99_ms']:.2f} / "
        f"{lat['max_ms']:.2f} | {per_request:,.0f} µs |" if per_request is not None else
        f"| {report['rooms']:,} | {report['page']} | {lat['p50_ms']:.2f} / {lat['p99_ms']:.2f} / "
        f"{lat['max_ms']:.2f} | n/a |",
    ]) + "\n"


def uploads_section(reports):
    rows = [reports.get((label, "chat")) for label in ("uploads-file", "uploads-image")]
    rows = [r for r in rows if r]
    if not rows:
        return ""
    lines = [
        "### Uploads (chat-server, attachments on its data directory)",
        "",
        "One user uploads one file at a time (`POST /v1/uploads`): random bytes as "
        "`application/octet-stream`, and noisy JPEG photos (metadata removed, decoded, two "
        "thumbnails made). Memory: the server's resident set before the first upload, and its "
        "peak (VmHWM) after the last.",
        "",
        "| upload | count | MB/s | uploads/s | p50 / p99 ms | server CPU per upload | server memory before / peak |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        what = (f"photo {r['pixels'][0]} × {r['pixels'][1]}, {r['bytes_each'] / 1e6:.1f} MB"
                if r["pixels"] else f"file, {r['bytes_each'] / 1e6:.1f} MB")
        lat = r["latency"]
        cpu = r["server_cpu_ms_per_upload"]
        before, peak = r["server_rss_before_mib"], r["server_peak_rss_mib"]
        lines.append(
            f"| {what} | {r['count']} | {r['mb_per_s']:.1f} | {r['uploads_per_s']:.2f} | "
            f"{lat['p50_ms']:.0f} / {lat['p99_ms']:.0f} | "
            + (f"{cpu:,.0f} ms" if cpu is not None else "n/a") + " | "
            + (f"{before:.0f} / {peak:.0f} MiB" if before is not None and peak is not None else "n/a")
            + " |"
        )
    return "\n".join(lines) + "\n"


DURABLE_STORES = (("durable", "SQLite"), ("durable-pg", "PostgreSQL"))


def acks_arriving(point):
    """Acks (of any message) that arrived in the measured window, per second."""
    if "window_acks" not in point or not point.get("window_s"):
        return "n/a"
    return f"{point['window_acks'] / point['window_s']:,.0f}"


def left_queued(point):
    """The backlog left after the point's drain, and whether it was acknowledged before
    the next point (reports written before chat-bench recorded it: n/a)."""
    backlog = point.get("backlog_after_drain")
    if backlog is None:
        return "n/a"
    if backlog == 0:
        return "0"
    settled = point.get("settled")
    if settled is None:
        return f"{backlog:,} (last point)"
    if settled:
        return f"{backlog:,}, acked {point['settle_s']:.1f} s later"
    return f"{backlog:,}, some still after {point['settle_s']:.0f} s"


def durable_section(reports):
    sections = []
    for label, store in DURABLE_STORES:
        report = reports.get((label, "chat"))
        if not report:
            continue
        lines = [
            f"### Durable acknowledged sends (chat-server on {store})",
            "",
            f"{report['clients']} clients, all sending, in rooms of two; an ack means the message is "
            f"committed to {store}.",
            "",
            "| offered msg/s | acked msg/s | acks arriving/s | ack p50 / p99 / p99.9 ms | unacked "
            "| queued after the drain | server CPU | server RSS |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for p in report["points"]:
            ack = p["ack_latency"]
            rss = f"{p['server']['rss_mib']:.0f} MiB" if p["server"] else "n/a"
            lines.append(
                f"| {p['offered_per_s']:,.0f} | {p['acked_per_s']:,.0f} | {acks_arriving(p)} | "
                f"{ack_percentiles(ack)} | {p['unacked']:,} | {left_queued(p)} | "
                f"{cpu(p['server'])} | {rss} |"
            )
        best = max(report["points"], key=lambda p: p["acked_per_s"])
        lines += ["", f"Most acked: {best['acked_per_s']:,.0f} msg/s (offered {best['offered_per_s']:,.0f})."]
        if not sections:
            lines += [
                "",
                "Acked counts the acks of the messages sent in the measured window; acks arriving "
                "counts every ack that arrived in the window, whichever message it was for: past "
                "saturation, a window's own messages wait behind the warm-up's, and this is the "
                "rate the store kept. Queued after the drain: sends of any point still "
                "unacknowledged when the point's drain ended; the next point starts only once "
                "they are acknowledged (chat-bench `--settle`), so no point measures an earlier "
                "one's backlog.",
            ]
        if store == "PostgreSQL":
            lines += [
                "",
                "The server's CPU is chat-server's alone; PostgreSQL runs beside it on the same "
                "machine, unpinned, and its CPU is not counted.",
            ]
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def idle_section(reports, directory):
    labels = sorted({label for label, _ in reports if label.startswith("idle-")}, key=lambda l: int(l[5:]))
    skipped = sorted(directory.glob("idle-*-skipped.txt"))
    if not labels and not skipped:
        return ""
    lines = [
        "### Idle memory per connection",
        "",
        "Server RSS after the clients joined their rooms (rooms of 10) and stayed idle for 5 s, "
        "minus RSS before, divided by the connections.",
        "",
        "| connections | " + " | ".join(NAMES[k] for k in SERVERS) + " |",
        "|---:|" + "---:|" * len(SERVERS),
    ]
    for label in labels:
        row = f"| {int(label[5:]):,} |"
        for kind in SERVERS:
            r = reports.get((label, kind))
            if not r or r["server_kib_per_connection"] is None:
                row += " n/a |"
                continue
            row += (
                f" {r['server_kib_per_connection']:.1f} KiB ({r['server_rss_after_mib']:.0f} MiB total;"
                f" {r['setup']['connected']:,} connected) |"
            )
        lines.append(row)
    for path in skipped:
        lines += ["", path.read_text().strip()]
    return "\n".join(lines) + "\n"


def storm_section(reports):
    runs = {kind: reports.get(("storm", kind)) for kind in SERVERS}
    runs = {kind: r for kind, r in runs.items() if r}
    if not runs:
        return ""
    first = next(iter(runs.values()))
    lines = [
        "### Reconnect storm",
        "",
        f"{first['subscribers']:,} subscribers in rooms of {first['room_size']} and one publisher "
        f"per room ({first['publish_rate']:,.0f} msg/s in all); every subscriber drops at once and "
        "reconnects (chat-server: resuming after the last seq it holds) while publishing goes on. "
        "Caught up = holding every message published before it was back in its room.",
        "",
        "| server | reconnected | reconnect p50 / p99 / max ms | caught up | catch-up p50 / p99 / max ms | missing | duplicates |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, r in runs.items():
        rt, ct = r["reconnect_time"], r["catch_up_time"]
        lines.append(
            f"| {NAMES[kind]} | {r['reconnected']:,} / {r['subscribers']:,} | "
            f"{rt['p50_ms']:.0f} / {rt['p99_ms']:.0f} / {rt['max_ms']:.0f} | "
            f"{r['caught_up']:,} | {ct['p50_ms']:.0f} / {ct['p99_ms']:.0f} / {ct['max_ms']:.0f} | "
            f"{r['missing']:,} | {r['duplicates']:,} |"
        )
    lines += [
        "",
        "The reference servers keep no history: what was sent while a client was away is "
        "missing for good, so their \"caught up\" only means the live stream resumed.",
    ]
    return "\n".join(lines) + "\n"


def p99_or_gap(point):
    # A window none of whose messages arrived has no latency: gnuplot skips NaN.
    latency = point["delivery_latency"]
    return latency["p99_ms"] if latency["count"] else "NaN"


def plot(reports, directory, label):
    runs = [(kind, reports.get((label, kind))) for kind in SERVERS]
    runs = [(kind, r) for kind, r in runs if r]
    if not runs:
        return None
    series = []
    for kind, report in runs:
        data = directory / f"{label}-{kind}.tsv"
        data.write_text(
            "".join(
                f"{p['offered_per_s']}\t{p['delivered_per_s']}\t{p99_or_gap(p)}\n"
                for p in report["points"]
            )
        )
        series.append((data, NAMES[kind]))
    room = runs[0][1]["room_size"]
    png = directory / f"{label}.png"
    delivered = ", ".join(f"'{d}' using 1:2 with linespoints lw 2 title '{n}'" for d, n in series)
    p99 = ", ".join(f"'{d}' using 1:3 with linespoints lw 2 title '{n}'" for d, n in series)
    script = f"""
set terminal pngcairo size 1200,480 font ',10'
set output '{png}'
set multiplot layout 1,2 title 'Fan-out, rooms of {room}: chat-bench, one run, each server on one core'
set logscale x 2
set logscale y 10
set grid
set key top left
set xlabel 'offered load (messages sent per second)'
set ylabel 'delivered messages per second'
plot {delivered}
set ylabel 'p99 send-to-receive latency (ms)'
plot {p99}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return png


# Publishers must have sent at least this share of what their rate and time call for
# (a publisher that died early would otherwise leave "nothing missing" to find).
PUBLISHED_SHARE = 0.8


def check(reports, directory):
    """Counts one check per assertion about chat-server. What only makes the run usable
    (the reference servers' runs, the written files) is required too, and printed, but a
    pass there is not counted: a failure is."""
    passed = failed = 0

    def expect(name, ok, counted=True):
        nonlocal passed, failed
        if not ok:
            failed += 1
        elif counted:
            passed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if counted else ' (required, not counted)'}")

    for skipped in sorted(directory.glob("*-skipped.txt")):
        expect(f"not skipped: {skipped.read_text().strip()}", False)
    failures = directory / "failures.txt"
    if failures.exists():
        for line in failures.read_text().splitlines():
            expect(line, False)
    runs = directory / "runs.txt"
    for line in runs.read_text().splitlines() if runs.exists() else []:
        run = line.split()
        if len(run) != 2:
            expect(f"runs.txt names a run: {line!r}", False)
            continue
        label, kind = run
        expect(f"{label} against {kind}: report written", (label, kind) in reports, kind == "chat")
    expect("at least one run", bool(reports), False)

    for (label, kind), r in sorted(reports.items()):
        name = f"{label} against {kind}"
        ours = kind == "chat"
        if r["scenario"] == "fanout":
            points = r["points"]
            expect(f"{name}: every connection set up", r["setup"]["failed"] == 0, ours)
            expect(
                f"{name}: all {sum(p['expected_deliveries'] for p in points)} deliveries arrived and all sends were acked",
                all(p["undelivered"] == 0 and p["unacked"] == 0 and p["expected_deliveries"] > 0 for p in points),
                ours,
            )
            expect(f"{name}: no errors" + (f" ({r['errors']})" if r["errors"] else ""), not r["errors"], ours)
            expect(
                f"{name}: no point started behind an earlier point's backlog",
                all(p.get("settled") is not False for p in points)
                and all("backlog_after_drain" in p for p in points),
                ours,
            )
            figures = [p.get("server_cpu_us_per_frame") for p in points]
            expect(
                f"{name}: server CPU per frame finite and positive at every point ("
                + ", ".join(us(f) for f in figures) + ")",
                bool(points) and all(finite_positive(f) for f in figures),
            )
        elif r["scenario"] == "uploads":
            expect(
                f"{name}: {r['count']} uploads answered at {r['mb_per_s']:.1f} MB/s",
                r["latency"]["count"] == r["count"] and finite_positive(r["mb_per_s"]),
            )
        elif r["scenario"] == "room-list":
            listed = min(r["page"], r["rooms"])
            expect(
                f"{name}: the first page lists {listed} rooms with {r['unread_per_room']} unread each",
                r["listed"] == listed and r["listed_unread"] == listed * r["unread_per_room"],
            )
            expect(f"{name}: {r['requests']} requests timed", r["latency"]["count"] == r["requests"])
        elif r["scenario"] == "idle":
            expect(
                f"{name}: all connected and still open",
                r["setup"]["failed"] == 0 and r["open_at_end"] == r["setup"]["connected"] == r["clients"],
                ours,
            )
            expect(f"{name}: server memory read", r["server_kib_per_connection"] is not None, ours)
        elif r["scenario"] == "storm":
            due = r["publish_rate"] * r["publishing_s"]
            expect(
                f"{name}: {r['published']:,} of {r['sent']:,} sends acked, {due:,.0f} due",
                r["published"] == r["sent"] and r["published"] >= PUBLISHED_SHARE * due,
                ours,
            )
            expect(f"{name}: every subscriber reconnected", r["reconnected"] == r["subscribers"], ours)
            if ours:
                expect(
                    f"{name}: every subscriber caught up, nothing missing or twice",
                    r["caught_up"] == r["subscribers"] and r["missing"] == 0 and r["duplicates"] == 0,
                )
                expect(f"{name}: no errors" + (f" ({r['errors']})" if r["errors"] else ""), not r["errors"])
    for label in sorted({label for (label, _), r in reports.items() if r["scenario"] == "fanout"}):
        comparison = compare(reports, label)
        if comparison is None:
            continue
        for kind in comparison["others"]:
            ratios = comparison["ratios"][kind]
            expect(
                f"{label}: chat-server's CPU per frame ÷ {NAMES[kind]}'s computed at every load "
                f"all delivered in full ({', '.join(f'{ratios[l]:.2f}×' for l in sorted(ratios)) or 'none'})",
                bool(comparison["full"])
                and all(finite_positive(ratios.get(load)) for load in comparison["full"]),
            )
    expect("results.md written", (directory / "results.md").stat().st_size > 0, False)
    for png in directory.glob("*.png"):
        expect(f"{png.name} is a PNG", png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", False)
    print(f"{passed} passed, {failed} failed")
    return failed == 0


def main():
    directory = pathlib.Path(sys.argv[1])
    reports = load(directory)
    sections = [
        "## Results",
        "",
        fanout_section(reports, "fanout-room10", "Fan-out, rooms of 10"),
        watch_section(reports),
        fanout_section(reports, "fanout-room100", "Fan-out, rooms of 100"),
        durable_section(reports),
        room_list_section(reports),
        uploads_section(reports),
        idle_section(reports, directory),
        storm_section(reports),
    ]
    plots = [plot(reports, directory, label) for label in ("fanout-room10", "fanout-room100")]
    sections += [f"![{p.stem}]({p.name})\n" for p in plots if p]
    failures = directory / "failures.txt"
    if failures.exists():
        sections += ["Failed runs:", "", failures.read_text()]
    (directory / "results.md").write_text("\n".join(s for s in sections if s) + "\n")
    print(f"wrote {directory / 'results.md'}")
    for label, title in (("fanout-room10", "Fan-out, rooms of 10"), ("fanout-room100", "Fan-out, rooms of 100")):
        comparison = compare(reports, label)
        if comparison:
            print(f"\n{title}:\n" + "\n".join(comparison["lines"]))
    if "--check" in sys.argv[2:] and not check(reports, directory):
        sys.exit(1)


if __name__ == "__main__":
    main()
