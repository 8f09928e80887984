/*
 * An edge agent: replays the watch stream of one node (a file of JSON lines,
 * one watch event each, as `kubectl get -w --output-watch-events -o json`
 * writes them) and prints, after each event, what this node must start or
 * stop and why: a sync of every DaemonSet, keeping what is for this node. It
 * does what it prints at once (so the engine's expectations are met), and
 * after each event snapshots the engine, with the number of events applied,
 * to STATE; started again, it resumes from there.
 *
 *   agent NODE STREAM STATE [STOP_AFTER]
 *
 * STOP_AFTER: stop after that many events (as if the agent were killed).
 * The replay clock: event i happens at 2024-06-01T10:00:00Z + 30 s * i (the
 * time scripts/make-agent-stream.py writes into the objects).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsr.h"

#define START 1717236000 /* 2024-06-01T10:00:00Z */
#define STEP 30

static dsr_engine *engine;
static unsigned char *snapshot;

static void die(const char *what, dsr_result r) {
    char text[512];
    size_t n;
    if (engine == NULL || dsr_engine_last_error(engine, text, sizeof text, &n) != DSR_RESULT_OK)
        snprintf(text, sizeof text, "%s", dsr_result_str(r));
    fprintf(stderr, "agent: %s: %s\n", what, text);
    exit(1);
}

/* Reads STATE ("dsr-agent N\n" then a snapshot) into the engine; returns N,
 * or 0 when there is no STATE. */
static size_t resume(const char *path) {
    FILE *f = fopen(path, "rb");
    size_t applied = 0, len;
    dsr_result r;
    if (f == NULL) return 0;
    if (fscanf(f, "dsr-agent %zu\n", &applied) != 1) die("state file", DSR_RESULT_SNAPSHOT);
    len = fread(snapshot, 1, dsr_engine_snapshot_max_size(), f);
    fclose(f);
    if ((r = dsr_engine_restore(engine, snapshot, len)) != DSR_RESULT_OK) die("restore", r);
    fprintf(stderr, "agent: resumed from %s after event %zu\n", path, applied);
    return applied;
}

/* Writes STATE anew (to a temporary file, then renamed over it). */
static void save(const char *path, size_t applied) {
    char tmp[4096];
    size_t len;
    FILE *f;
    dsr_result r = dsr_engine_snapshot(engine, snapshot, dsr_engine_snapshot_max_size(), &len);
    if (r != DSR_RESULT_OK) die("snapshot", r);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (f == NULL || fprintf(f, "dsr-agent %zu\n", applied) < 0 || fwrite(snapshot, 1, len, f) != len ||
        fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        exit(1);
    }
}

/* What this node must start or stop now, by a sync of every DaemonSet. */
static void plan(const char *node, dsr_plan *p, int64_t now) {
    dsr_capacities caps;
    int printed = 0;
    dsr_engine_capacities(&caps);
    for (uint32_t set = 0; set < caps.daemon_sets; set++) {
        char name[300], why[512];
        size_t n, i;
        dsr_plan_info info;
        dsr_result r;
        if (dsr_engine_daemon_set_name(engine, set, name, sizeof name, &n) != DSR_RESULT_OK) continue;
        if ((r = dsr_engine_sync(engine, set, now, p, &info)) != DSR_RESULT_OK) die("sync", r);
        for (i = 0; i < info.creates_len; i++) {
            dsr_plan_create c;
            dsr_engine_plan_create(engine, p, i, &c);
            if (c.node_name.len != strlen(node) || memcmp(c.node_name.ptr, node, c.node_name.len) != 0) continue;
            dsr_engine_describe_create(engine, p, i, why, sizeof why, &n);
            printf("  start %s: %s\n", name, why);
            printed++;
        }
        for (i = 0; i < info.deletes_len; i++) {
            dsr_plan_delete d;
            dsr_engine_plan_delete(engine, p, i, &d);
            if (d.node_name.len != strlen(node) || memcmp(d.node_name.ptr, node, d.node_name.len) != 0) continue;
            dsr_engine_describe_delete(engine, p, i, why, sizeof why, &n);
            printf("  stop %s pod %.*s: %s\n", name, (int)d.pod_name.len, d.pod_name.ptr, why);
            printed++;
        }
        /* Done at once: the pods appear, or go, in later events. */
        dsr_engine_observe_creates(engine, set, UINT32_MAX);
        dsr_engine_observe_deletes(engine, set, UINT32_MAX);
    }
    if (printed == 0) printf("  nothing to start or stop\n");
}

int main(int argc, char **argv) {
    size_t align = dsr_engine_align(), size = (dsr_engine_size() + align - 1) / align * align;
    size_t palign = dsr_plan_align(), psize = (dsr_plan_size() + palign - 1) / palign * palign;
    void *mem = aligned_alloc(align, size), *pmem = aligned_alloc(palign, psize);
    size_t stop = argc > 4 ? strtoul(argv[4], NULL, 10) : SIZE_MAX, done, index = 0, cap = 0;
    char *line = NULL;
    ssize_t len;
    dsr_plan *p;
    FILE *stream;
    if (argc < 4) {
        fprintf(stderr, "usage: agent NODE STREAM STATE [STOP_AFTER]\n");
        return 2;
    }
    snapshot = malloc(dsr_engine_snapshot_max_size());
    if (!mem || !pmem || !snapshot || dsr_engine_init(mem, size, &engine) != DSR_RESULT_OK ||
        dsr_plan_init(pmem, psize, &p) != DSR_RESULT_OK || (stream = fopen(argv[2], "rb")) == NULL) {
        perror("agent");
        return 1;
    }
    done = resume(argv[3]);
    while ((len = getline(&line, &cap, stream)) > 0 && index < stop) {
        dsr_applied a;
        char name[300] = "";
        size_t n;
        if (index++ < done) continue;
        if (dsr_engine_apply(engine, (const uint8_t *)line, (size_t)len, &a) != DSR_RESULT_OK) {
            dsr_engine_last_error(engine, name, sizeof name, &n);
            printf("event %zu: refused: %s\n", index, name);
        } else {
            if (a.kind == DSR_OBJECT_KIND_NODE) dsr_engine_node_name(engine, a.id, name, sizeof name, &n);
            if (a.kind == DSR_OBJECT_KIND_POD) dsr_engine_pod_name(engine, a.id, name, sizeof name, &n);
            if (a.kind == DSR_OBJECT_KIND_DAEMON_SET || a.kind == DSR_OBJECT_KIND_CONTROLLER_REVISION)
                dsr_engine_daemon_set_name(engine, a.id, name, sizeof name, &n);
            printf("event %zu: %s%s%s %s%s\n", index, dsr_object_kind_str(a.kind), name[0] ? " " : "", name,
                   dsr_change_str(a.change), a.placement_changed ? ", placement changed" : "");
        }
        plan(argv[1], p, START + STEP * (int64_t)(index - 1));
        save(argv[3], index);
    }
    free(line);
    fclose(stream);
    free(snapshot);
    free(pmem);
    free(mem);
    return 0;
}
