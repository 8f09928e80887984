/*
 * dsr_engine_apply(): real objects of tests/data/manifests as JSON, watch
 * events of every type, garbage and broken objects. Every failure must give
 * its own code, name the JSON path in dsr_engine_last_error(), and leave the
 * engine as it was (its table usage and its snapshot, byte for byte).
 *
 * Built by tests/c/run.sh with -Werror and -fsanitize=address,undefined.
 *   test_apply MANIFESTS_DIR        (tests/data/manifests)
 *   test_apply MANIFESTS_DIR lists  only the `List` tests (run.sh runs them
 *                                   against a build with DSR_JSON_OBJECTS=4
 *                                   and DSR_NODES=3 too)
 * Ends with "N passed, M failed".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsr.h"
#include "dsr_config.h"

static int passed, failed;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (cond) {                                                                \
            passed++;                                                              \
        } else {                                                                   \
            failed++;                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

#define EXPECT(code, call)                                                         \
    do {                                                                           \
        dsr_result r_ = (call);                                                    \
        if (r_ == (code)) {                                                        \
            passed++;                                                              \
        } else {                                                                   \
            failed++;                                                              \
            fprintf(stderr, "%s:%d: %s\n  returned %u (%s), expected %u (%s)\n",   \
                    __FILE__, __LINE__, #call, (unsigned)r_,                       \
                    dsr_result_str((uint32_t)r_), (unsigned)(code),                \
                    dsr_result_str((uint32_t)(code)));                             \
        }                                                                          \
    } while (0)

static const char *manifests;

static const char *const NODES[] = {
    "aks-nodepool1-28371640-vmss000000", "akswin22000000", "cp-1", "edge-rpi4-01",
    "gke-prod-default-pool-5f1c2a3b-x7k2", "gke-prod-gpu-pool-8d2e41c0-qm4z",
    "ip-10-0-1-23.us-west-2.compute.internal", "ip-10-0-2-117.us-west-2.compute.internal",
    "k3s-server-1", "worker-1", "worker-cordoned", "worker-network-unavailable",
    "worker-notready", "worker-pressure", "worker-uninitialized", "worker-unreachable",
    "yurt-edge-gw-hz01",
};
#define NODE_COUNT (sizeof NODES / sizeof NODES[0])

/* The file's bytes (malloc'ed, NUL-terminated), or exit. */
static char *slurp(const char *dir, const char *name, size_t *len) {
    char path[512];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static char *node_json(const char *name, size_t *len) {
    char file[256];
    snprintf(file, sizeof file, "nodes/%s.json", name);
    return slurp(manifests, file, len);
}

static char *fluentd_json(size_t *len) {
    return slurp(manifests, "daemonsets/kubernetes-website-fluentd-elasticsearch.json", len);
}

/* `{"type": TYPE, "object": OBJECT}` (malloc'ed). */
static char *event(const char *type, const char *object, size_t *len) {
    size_t n = strlen(object) + strlen(type) + 64;
    char *buf = malloc(n);
    if (!buf) exit(2);
    *len = (size_t)snprintf(buf, n, "{\"type\":\"%s\",\"object\":%s}", type, object);
    return buf;
}

/* `text` with the first `from` replaced by `to` (malloc'ed), or exit. */
static char *replace(const char *text, const char *from, const char *to, size_t *len) {
    const char *at = strstr(text, from);
    size_t head, n;
    char *out;
    if (!at) {
        fprintf(stderr, "replace: %s not found\n", from);
        exit(2);
    }
    head = (size_t)(at - text);
    n = strlen(text) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    if (!out) exit(2);
    memcpy(out, text, head);
    memcpy(out + head, to, strlen(to));
    strcpy(out + head + strlen(to), at + strlen(from));
    *len = n;
    return out;
}

static dsr_engine *new_engine(void **mem) {
    size_t align = dsr_engine_align();
    size_t len = (dsr_engine_size() + align - 1) / align * align;
    dsr_engine *e = NULL;
    *mem = aligned_alloc(align, len);
    if (!*mem || dsr_engine_init(*mem, len, &e) != DSR_RESULT_OK) exit(2);
    return e;
}

static const char *last_error(const dsr_engine *e) {
    static char buf[512];
    size_t len;
    if (dsr_engine_last_error(e, buf, sizeof buf, &len) != DSR_RESULT_OK) return "(no text)";
    return buf;
}

/* What a caller can observe of an engine: its snapshot and table usage. */
typedef struct {
    unsigned char *snapshot;
    size_t len;
    dsr_table_usage usage[DSR_TABLE_BACKOFF + 1];
} state;

static void observe(const dsr_engine *e, state *s) {
    size_t n;
    s->snapshot = malloc(dsr_engine_snapshot_max_size());
    if (!s->snapshot ||
        dsr_engine_snapshot(e, s->snapshot, dsr_engine_snapshot_max_size(), &s->len) != DSR_RESULT_OK ||
        dsr_engine_usage(e, s->usage, DSR_TABLE_BACKOFF + 1, &n) != DSR_RESULT_OK) {
        fprintf(stderr, "cannot observe the engine\n");
        exit(2);
    }
}

/* `high_water`: the tables' high-water marks must be the same too (a List's
 * items are checked by storing each and undoing it, which may raise them). */
static bool same_as(const dsr_engine *e, const state *before, bool high_water) {
    state now;
    bool eq;
    size_t i;
    observe(e, &now);
    eq = now.len == before->len && memcmp(now.snapshot, before->snapshot, now.len) == 0;
    for (i = 0; i < DSR_TABLE_BACKOFF + 1; i++) {
        eq = eq && now.usage[i].table == before->usage[i].table &&
             now.usage[i].used == before->usage[i].used &&
             (!high_water || now.usage[i].high_water == before->usage[i].high_water);
    }
    free(now.snapshot);
    return eq;
}

static bool same(const dsr_engine *e, const state *before) { return same_as(e, before, true); }

/* Applies `json`, which must fail with `code`, leave the engine as it was,
 * leave `out` alone, and name `needle` in the last error. */
static void refused_as(dsr_engine *e, const char *json, size_t len, dsr_result code, const char *needle,
                       bool high_water) {
    state before;
    dsr_applied out;
    dsr_result r;
    memset(&out, 0xab, sizeof out);
    observe(e, &before);
    r = dsr_engine_apply(e, (const uint8_t *)json, len, &out);
    EXPECT(code, r);
    CHECK(out.kind == 0xabababab && out.id == 0xabababab);
    CHECK(same_as(e, &before, high_water));
    if (needle && !strstr(last_error(e), needle)) {
        failed++;
        fprintf(stderr, "last error \"%s\" does not name \"%s\"\n", last_error(e), needle);
    } else {
        passed++;
    }
    free(before.snapshot);
}

static void refused(dsr_engine *e, const char *json, size_t len, dsr_result code, const char *needle) {
    refused_as(e, json, len, code, needle, true);
}

static dsr_applied apply(dsr_engine *e, const char *json, size_t len) {
    dsr_applied a;
    memset(&a, 0, sizeof a);
    if (dsr_engine_apply(e, (const uint8_t *)json, len, &a) != DSR_RESULT_OK) {
        failed++;
        fprintf(stderr, "apply failed: %s\n", last_error(e));
    }
    return a;
}

static void test_names_and_capacities(void) {
    dsr_capacities caps;
    EXPECT(DSR_RESULT_OK, dsr_engine_capacities(&caps));
    CHECK(caps.json_objects == DSR_JSON_OBJECTS && caps.json_objects >= 1);
    CHECK(caps.json_labels == DSR_JSON_LABELS && caps.json_labels >= 64);
    CHECK(caps.json_rules == DSR_JSON_RULES && caps.json_text == DSR_JSON_TEXT);
    CHECK(DSR_JSON == 1);
    CHECK(strcmp(dsr_object_kind_str(DSR_OBJECT_KIND_DAEMON_SET), "DaemonSet") == 0);
    CHECK(strcmp(dsr_object_kind_str(DSR_OBJECT_KIND_CONTROLLER_REVISION), "ControllerRevision") == 0);
    CHECK(strcmp(dsr_object_kind_str(99), "unknown") == 0);
    CHECK(strcmp(dsr_change_str(DSR_CHANGE_UNCHANGED), "unchanged") == 0);
    CHECK(strcmp(dsr_change_str(DSR_CHANGE_REMOVED), "removed") == 0);
    CHECK(strcmp(dsr_change_str(5), "unknown") == 0);
    CHECK(strstr(dsr_result_str(DSR_RESULT_INVALID_JSON), "JSON") != NULL);
    CHECK(strstr(dsr_result_str(DSR_RESULT_FULL_SCRATCH), "DSR_JSON_") != NULL);
    CHECK(strstr(dsr_result_str(DSR_RESULT_WATCH_ERROR), "ERROR") != NULL);
    CHECK(strstr(dsr_result_str(DSR_RESULT_FULL_REVISIONS), "revision") != NULL);
}

/* The fluentd-elasticsearch DaemonSet and the 17 nodes, as kubectl writes
 * them; the answers the manifests imply. */
static void test_manifests(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    size_t len, i, n;
    char *ds = fluentd_json(&len);
    dsr_applied a = apply(e, ds, len);
    uint32_t set = a.id, id;
    dsr_placement p;
    CHECK(a.kind == DSR_OBJECT_KIND_DAEMON_SET && a.change == DSR_CHANGE_ADDED && a.added == 1);
    CHECK(!a.placement_changed); /* no node yet */
    EXPECT(DSR_RESULT_OK, dsr_engine_find_daemon_set(e, (dsr_str)DSR_STR_LIT("kube-system"),
                                                     (dsr_str)DSR_STR_LIT("fluentd-elasticsearch"), &id));
    CHECK(id == set);
    /* Again: nothing changes (a re-list). `out` may be NULL. */
    a = apply(e, ds, len);
    CHECK(a.change == DSR_CHANGE_UNCHANGED && a.id == set && a.unchanged == 1 && a.added == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_apply(e, (const uint8_t *)ds, len, NULL));
    for (i = 0; i < NODE_COUNT; i++) {
        char *node = node_json(NODES[i], &len);
        a = apply(e, node, len);
        CHECK(a.kind == DSR_OBJECT_KIND_NODE && a.change == DSR_CHANGE_ADDED);
        EXPECT(DSR_RESULT_OK, dsr_engine_find_node(e, (dsr_str){NODES[i], strlen(NODES[i])}, &id));
        CHECK(id == a.id);
        EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, id, &p));
        /* Placement changed exactly when the pod should now run there. */
        CHECK(a.placement_changed == (p.should_run || p.should_continue_running));
        free(node);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_node_count(e, &n));
    CHECK(n == NODE_COUNT);
    /* cp-1's control-plane taint is not the `master` one fluentd tolerates. */
    EXPECT(DSR_RESULT_OK, dsr_engine_find_node(e, (dsr_str)DSR_STR_LIT("cp-1"), &id));
    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, id, &p));
    CHECK(!p.should_run && p.reason.kind == DSR_REASON_KIND_UNTOLERATED_TAINT);
    EXPECT(DSR_RESULT_OK, dsr_engine_find_node(e, (dsr_str)DSR_STR_LIT("worker-1"), &id));
    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, id, &p));
    CHECK(p.should_run && p.should_continue_running);
    free(ds);
    free(mem);
}

static void test_watch_events(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    size_t len, elen, n;
    char *ds = fluentd_json(&len), *ev, *node, *tainted;
    dsr_applied a;
    uint32_t set, gw;
    dsr_placement p;

    ev = event("ADDED", ds, &elen);
    a = apply(e, ev, elen);
    set = a.id;
    CHECK(a.kind == DSR_OBJECT_KIND_DAEMON_SET && a.change == DSR_CHANGE_ADDED);
    free(ev);

    node = node_json("yurt-edge-gw-hz01", &len);
    ev = event("ADDED", node, &elen);
    a = apply(e, ev, elen);
    gw = a.id;
    CHECK(a.kind == DSR_OBJECT_KIND_NODE && a.change == DSR_CHANGE_ADDED && a.placement_changed);
    free(ev);
    /* MODIFIED with the same object: unchanged. */
    ev = event("MODIFIED", node, &elen);
    a = apply(e, ev, elen);
    CHECK(a.change == DSR_CHANGE_UNCHANGED && a.id == gw && !a.placement_changed);
    free(ev);
    /* A NoExecute taint (not one daemon pods tolerate by default): the pod
     * must go. */
    tainted = replace(node, "\"spec\": {}",
                      "\"spec\": {\"taints\": [{\"key\": \"example.com/maintenance\", "
                      "\"effect\": \"NoExecute\", \"timeAdded\": \"2024-06-01T10:00:00Z\"}]}",
                      &len);
    ev = event("MODIFIED", tainted, &elen);
    a = apply(e, ev, elen);
    CHECK(a.change == DSR_CHANGE_UPDATED && a.id == gw && a.placement_changed);
    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, gw, &p));
    CHECK(!p.should_run && !p.should_continue_running &&
          p.reason.kind == DSR_REASON_KIND_UNTOLERATED_TAINT);
    free(ev);
    /* BOOKMARK: nothing. */
    {
        static const char bookmark[] =
            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Node\",\"apiVersion\":\"v1\","
            "\"metadata\":{\"resourceVersion\":\"1204999\"}}}";
        state before;
        observe(e, &before);
        a = apply(e, bookmark, sizeof bookmark - 1);
        CHECK(a.change == DSR_CHANGE_IGNORED && a.id == DSR_NONE && a.ignored == 1);
        CHECK(same(e, &before));
        free(before.snapshot);
    }
    /* ERROR: the Status's code and message, engine unchanged. */
    {
        static const char gone[] =
            "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
            "\"status\":\"Failure\",\"message\":\"too old resource version: 1204477 (1205000)\","
            "\"reason\":\"Expired\",\"code\":410}}";
        refused(e, gone, sizeof gone - 1, DSR_RESULT_WATCH_ERROR, "410: too old resource version");
    }
    /* An unknown event type. */
    ev = event("RESYNC", node, &elen);
    refused(e, ev, elen, DSR_RESULT_INVALID_JSON, "RESYNC");
    free(ev);
    /* DELETED: gone, and so is its placement. */
    ev = event("DELETED", tainted, &elen);
    a = apply(e, ev, elen);
    CHECK(a.change == DSR_CHANGE_REMOVED && a.id == gw && a.removed == 1 && !a.placement_changed);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_find_node(e, (dsr_str)DSR_STR_LIT("yurt-edge-gw-hz01"), &gw));
    /* Deleted again: ignored. */
    a = apply(e, ev, elen);
    CHECK(a.change == DSR_CHANGE_IGNORED && a.id == DSR_NONE);
    free(ev);
    /* The DaemonSet deleted: plans are stale, the table is empty. */
    ev = event("DELETED", ds, &elen);
    a = apply(e, ev, elen);
    CHECK(a.kind == DSR_OBJECT_KIND_DAEMON_SET && a.change == DSR_CHANGE_REMOVED && a.id == set);
    EXPECT(DSR_RESULT_OK, dsr_engine_daemon_set_count(e, &n));
    CHECK(n == 0);
    free(ev);
    free(tainted);
    free(node);
    free(ds);
    free(mem);
}

/* A pod of the DaemonSet and its ControllerRevision, in either order. */
static void test_pods_and_revisions(void) {
    static const char revision[] =
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ControllerRevision\",\"metadata\":{"
        "\"name\":\"fluentd-elasticsearch-6d4b8c7f9\",\"namespace\":\"kube-system\","
        "\"labels\":{\"controller-revision-hash\":\"6d4b8c7f9\",\"name\":\"fluentd-elasticsearch\"},"
        "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\","
        "\"name\":\"fluentd-elasticsearch\",\"uid\":\"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10\","
        "\"controller\":true,\"blockOwnerDeletion\":true}]},\"revision\":1,\"data\":{}}";
    static const char pod[] =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"fluentd-elasticsearch-x7q2p\","
        "\"namespace\":\"kube-system\",\"uid\":\"0c5e2f8a-1d3b-4c6e-8f9a-7b2d4e6f8a1c\","
        "\"creationTimestamp\":\"2024-06-01T09:00:00Z\",\"labels\":{\"name\":\"fluentd-elasticsearch\","
        "\"controller-revision-hash\":\"6d4b8c7f9\",\"pod-template-generation\":\"1\"},"
        "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\","
        "\"name\":\"fluentd-elasticsearch\",\"uid\":\"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10\","
        "\"controller\":true}]},\"spec\":{\"nodeName\":\"yurt-edge-gw-hz01\",\"containers\":[{"
        "\"name\":\"fluentd-elasticsearch\",\"image\":\"k8s.gcr.io/fluentd-elasticsearch:1.20\"}]},"
        "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
        "\"lastTransitionTime\":\"2024-06-01T09:00:30Z\"}]}}";
    void *mem;
    dsr_engine *e = new_engine(&mem);
    size_t len, n;
    char *ds = fluentd_json(&len), *with_uid;
    dsr_applied a;
    uint32_t set, id;
    /* The revision first: no DaemonSet yet. */
    a = apply(e, revision, sizeof revision - 1);
    CHECK(a.kind == DSR_OBJECT_KIND_CONTROLLER_REVISION && a.change == DSR_CHANGE_ADDED && a.id == DSR_NONE);
    with_uid = replace(ds, "\"namespace\": \"kube-system\",",
                       "\"namespace\": \"kube-system\", \"uid\": \"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10\","
                       " \"generation\": 1, \"annotations\": "
                       "{\"deprecated.daemonset.template.generation\": \"1\"},",
                       &len);
    a = apply(e, with_uid, len);
    set = a.id;
    CHECK(a.kind == DSR_OBJECT_KIND_DAEMON_SET && a.change == DSR_CHANGE_ADDED);
    /* The same revision again names the DaemonSet now, and changes nothing. */
    a = apply(e, revision, sizeof revision - 1);
    CHECK(a.change == DSR_CHANGE_UNCHANGED && a.id == set);
    a = apply(e, pod, sizeof pod - 1);
    CHECK(a.kind == DSR_OBJECT_KIND_POD && a.change == DSR_CHANGE_ADDED && !a.placement_changed);
    EXPECT(DSR_RESULT_OK, dsr_engine_find_pod(e, (dsr_str)DSR_STR_LIT("kube-system"),
                                              (dsr_str)DSR_STR_LIT("fluentd-elasticsearch-x7q2p"), &id));
    CHECK(id == a.id);
    EXPECT(DSR_RESULT_OK, dsr_engine_pod_count(e, &n));
    CHECK(n == 1);
    free(with_uid);
    free(ds);
    free(mem);
}

/* A controller loop fed only by apply: each sync's creates come back as pods
 * ADDED (labelled as dsr_engine_new_pod_labels() says), its deletes as
 * DELETED, while a NoExecute taint comes and goes on edge-rpi4-01. Applying
 * the pods observes the sync's expectations, so every taint change is acted
 * on at once (no five-minute wait), and the tables do not grow. */
static void test_controller_loop(void) {
    enum { STEPS = 2000 };
    void *mem, *plan_mem;
    dsr_engine *e = new_engine(&mem);
    dsr_plan *plan;
    size_t len, n, usage_len;
    char *ds = fluentd_json(&len), *with_uid, *tainted, *untainted, *ev;
    dsr_plan_info info;
    dsr_table_usage before[32], after[32];
    uint32_t set;
    unsigned creates = 0, deletes = 0, serial = 0;
    size_t align = dsr_plan_align(), size = (dsr_plan_size() + align - 1) / align * align;
    plan_mem = aligned_alloc(align, size);
    EXPECT(DSR_RESULT_OK, dsr_plan_init(plan_mem, size, &plan));
    with_uid = replace(ds, "\"namespace\": \"kube-system\",",
                       "\"namespace\": \"kube-system\", \"uid\": \"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10\","
                       " \"generation\": 1, \"annotations\": "
                       "{\"deprecated.daemonset.template.generation\": \"1\"},",
                       &len);
    set = apply(e, with_uid, len).id;
    for (size_t i = 0; i < NODE_COUNT; i++) {
        char *node = node_json(NODES[i], &len);
        apply(e, node, len);
        free(node);
    }
    untainted = node_json("edge-rpi4-01", &len);
    tainted = replace(untainted, "\"spec\": {}",
                      "\"spec\": {\"taints\": [{\"key\": \"dsr.example/drain\", \"effect\": \"NoExecute\"}]}",
                      &len);
    for (unsigned t = 0; t < STEPS; t++) {
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, 1717232400 + (int64_t)t, plan, &info));
        for (size_t i = 0; i < info.creates_len; i++) {
            dsr_plan_create c;
            dsr_label l[16];
            char labels[1024], pod[2048];
            size_t at = 0;
            EXPECT(DSR_RESULT_OK, dsr_engine_plan_create(e, plan, i, &c));
            EXPECT(DSR_RESULT_OK, dsr_engine_new_pod_labels(e, set, l, 16, &n));
            for (size_t j = 0; j < n && j < 16; j++)
                at += (size_t)snprintf(labels + at, sizeof labels - at, "%s\"%.*s\":\"%.*s\"", j ? "," : "",
                                       (int)l[j].key.len, l[j].key.ptr, (int)l[j].value.len, l[j].value.ptr);
            serial++;
            len = (size_t)snprintf(
                pod, sizeof pod,
                "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
                "\"name\":\"fluentd-elasticsearch-%05u\",\"namespace\":\"kube-system\",\"uid\":\"p-%u\","
                "\"creationTimestamp\":\"2024-06-01T09:00:00Z\",\"labels\":{%s},\"ownerReferences\":[{"
                "\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"fluentd-elasticsearch\","
                "\"uid\":\"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10\",\"controller\":true}]},\"spec\":{"
                "\"nodeName\":\"%.*s\"},\"status\":{\"phase\":\"Running\"}}}",
                serial, serial, labels, (int)c.node_name.len, c.node_name.ptr);
            CHECK(apply(e, pod, len).change == DSR_CHANGE_ADDED);
            creates++;
        }
        for (size_t i = 0; i < info.deletes_len; i++) {
            dsr_plan_delete d;
            char pod[512];
            EXPECT(DSR_RESULT_OK, dsr_engine_plan_delete(e, plan, i, &d));
            len = (size_t)snprintf(pod, sizeof pod,
                                   "{\"type\":\"DELETED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                                   "\"metadata\":{\"name\":\"%.*s\",\"namespace\":\"kube-system\"}}}",
                                   (int)d.pod_name.len, d.pod_name.ptr);
            CHECK(apply(e, pod, len).change == DSR_CHANGE_REMOVED);
            deletes++;
        }
        ev = event("MODIFIED", t % 2 ? untainted : tainted, &len);
        apply(e, ev, len);
        free(ev);
        /* The same point of the cycle as the last step. */
        if (t == 11) EXPECT(DSR_RESULT_OK, dsr_engine_usage(e, before, 32, &usage_len));
    }
    /* The first sync creates on every eligible node; then each taint removes
     * edge-rpi4-01's pod and each untaint brings one back. */
    CHECK(deletes == STEPS / 2);
    CHECK(creates > deletes && creates - deletes < NODE_COUNT);
    EXPECT(DSR_RESULT_OK, dsr_engine_usage(e, after, 32, &n));
    CHECK(n == usage_len);
    for (size_t i = 0; i < n && i < 32; i++) CHECK(after[i].used == before[i].used);
    free(tainted);
    free(untainted);
    free(with_uid);
    free(ds);
    free(plan_mem);
    free(mem);
}

/* Garbage and broken objects: the code, the path, and nothing changed. */
static void test_refused(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    size_t len, blen, i;
    char *ds = fluentd_json(&len), *node = node_json("worker-1", &blen), *bad;
    unsigned char garbage[512];
    uint32_t seed = 12345;
    apply(e, ds, len);
    apply(e, node, blen);

    for (i = 0; i < sizeof garbage; i++) {
        seed = seed * 1103515245u + 12345u;
        garbage[i] = (unsigned char)(seed >> 16);
    }
    refused(e, (const char *)garbage, sizeof garbage, DSR_RESULT_INVALID_JSON, "invalid JSON");
    refused(e, "", 0, DSR_RESULT_INVALID_JSON, NULL);
    EXPECT(DSR_RESULT_INVALID_JSON, dsr_engine_apply(e, NULL, 0, NULL));
    refused(e, "[1, 2, 3]", 9, DSR_RESULT_INVALID_JSON, "not the JSON type");
    refused(e, "{\"apiVersion\": \"v1\"}", 20, DSR_RESULT_INVALID_JSON, "expected a Kubernetes object");
    /* Cut short halfway. */
    refused(e, node, blen / 2, DSR_RESULT_INVALID_JSON, NULL);
    /* A type error deep in the DaemonSet: the path says where. */
    bad = replace(ds, "\"effect\": \"NoSchedule\"", "\"effect\": \"NoSchedule\", \"tolerationSeconds\": \"300\"", &len);
    refused(e, bad, len, DSR_RESULT_INVALID_JSON,
            "DaemonSet \"fluentd-elasticsearch\": spec.template.spec.tolerations[0].tolerationSeconds:");
    free(bad);
    /* A selector the API server would refuse: the engine's code, the path. */
    bad = replace(ds, "\"matchLabels\": {",
                  "\"matchExpressions\": [{\"key\": \"tier\", \"operator\": \"Gtx\"}], \"matchLabels\": {", &len);
    refused(e, bad, len, DSR_RESULT_INVALID_SELECTOR, "spec.selector.matchExpressions[0].operator");
    free(bad);
    /* More labels than the scratch holds: refused whole, the array named. */
    {
        size_t cap = 64 * (DSR_JSON_LABELS + 1) + 256, at;
        char *big = malloc(cap);
        if (!big) exit(2);
        at = (size_t)snprintf(big, cap, "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"worker-1\",\"labels\":{");
        for (i = 0; i <= DSR_JSON_LABELS; i++)
            at += (size_t)snprintf(big + at, cap - at, "%s\"example.com/l%zu\":\"v\"", i ? "," : "", i);
        at += (size_t)snprintf(big + at, cap - at, "}}}");
        refused(e, big, at, DSR_RESULT_FULL_SCRATCH, "labels");
        CHECK(strstr(last_error(e), "Node \"worker-1\"") != NULL);
        free(big);
    }
    /* A NULL engine and a NULL pointer with a length. */
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_apply(NULL, (const uint8_t *)ds, len, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_apply(e, NULL, 5, NULL));
    /* A failure of another call replaces the apply error's text. */
    refused(e, "{", 1, DSR_RESULT_INVALID_JSON, "invalid JSON");
    {
        uint32_t id;
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(e, NULL, &id));
        CHECK(strstr(last_error(e), "JSON") == NULL);
    }
    free(node);
    free(ds);
    free(mem);
}

/* `{"apiVersion": "v1", "kind": "List", "items": [...]}` of `n` objects
 * (malloc'ed), as kubectl get -o json writes it. */
static char *list_of(char *const *items, size_t n, size_t *len) {
    size_t cap = 128, i, at;
    char *buf;
    for (i = 0; i < n; i++) cap += strlen(items[i]) + 1;
    buf = malloc(cap);
    if (!buf) exit(2);
    at = (size_t)snprintf(buf, cap, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
    for (i = 0; i < n; i++) at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? "," : "", items[i]);
    at += (size_t)snprintf(buf + at, cap - at, "]}");
    *len = at;
    return buf;
}

static bool has_node(const dsr_engine *e, const char *name) {
    uint32_t id;
    return dsr_engine_find_node(e, (dsr_str){name, strlen(name)}, &id) == DSR_RESULT_OK;
}

/* A List is applied whole or not at all: one with an invalid item, or that
 * runs out of room part-way, changes nothing, and applies whole once there is
 * room. */
static void test_lists(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    size_t len, n;
    char *items[3], *list, *first = node_json("edge-rpi4-01", &len);
    apply(e, first, len);
    free(first);
#if DSR_JSON_OBJECTS < 3
    /* The scratch reads fewer objects than the List has: nothing is applied. */
    items[0] = node_json("worker-1", &len);
    items[1] = node_json("cp-1", &len);
    items[2] = node_json("k3s-server-1", &len);
    list = list_of(items, 3, &len);
    refused(e, list, len, DSR_RESULT_FULL_SCRATCH, "objects");
    CHECK(!has_node(e, "worker-1") && has_node(e, "edge-rpi4-01"));
    free(list);
    for (n = 0; n < 3; n++) free(items[n]);
#else
    {
        /* An item the engine refuses (a label value longer than it stores),
         * last: the items before it are not applied either. */
        char value[1300], key[1400];
        size_t i;
        for (i = 0; i + 1 < sizeof value; i++) value[i] = "AAAAC3NzaC1lZDI1NTE5"[i % 20];
        value[sizeof value - 1] = '\0';
        snprintf(key, sizeof key, "\"labels\": {\"example.com/ssh-host-key\": \"%s\", ", value);
        items[0] = node_json("worker-1", &len);
        items[1] = fluentd_json(&len);
        {
            char *cp1 = node_json("cp-1", &len);
            items[2] = replace(cp1, "\"labels\": {", key, &len);
            free(cp1);
        }
        list = list_of(items, 3, &len);
        refused_as(e, list, len, DSR_RESULT_TOO_LONG, "Node \"cp-1\"", false);
        CHECK(!has_node(e, "worker-1"));
        free(list);
        for (n = 0; n < 3; n++) free(items[n]);
    }
#if DSR_NODES == 3
    {
        /* Room for two more nodes, a List of three: none is applied, `out` is
         * not written, the error names the third. */
        dsr_applied a;
        char *old, *deleted;
        items[0] = node_json("worker-1", &len);
        items[1] = node_json("cp-1", &len);
        items[2] = node_json("k3s-server-1", &len);
        list = list_of(items, 3, &len);
        /* The engine as before, snapshot included (the nodes' high-water mark
         * shows the two undone). */
        refused_as(e, list, len, DSR_RESULT_FULL_NODES, "Node \"k3s-server-1\"", false);
        CHECK(!has_node(e, "worker-1") && !has_node(e, "cp-1") && !has_node(e, "k3s-server-1"));
        /* Room again: the same List applies whole. */
        old = node_json("edge-rpi4-01", &n);
        deleted = event("DELETED", old, &n);
        a = apply(e, deleted, n);
        CHECK(a.change == DSR_CHANGE_REMOVED);
        a = apply(e, list, len);
        CHECK(a.kind == DSR_OBJECT_KIND_LIST && a.change == DSR_CHANGE_UPDATED);
        CHECK(a.added == 3 && a.unchanged == 0 && has_node(e, "k3s-server-1"));
        a = apply(e, list, len);
        CHECK(a.change == DSR_CHANGE_UNCHANGED && a.unchanged == 3);
        free(deleted);
        free(old);
        free(list);
        for (n = 0; n < 3; n++) free(items[n]);
    }
#endif
#endif
    free(mem);
}

int main(int argc, char **argv) {
    if (argc != 2 && !(argc == 3 && strcmp(argv[2], "lists") == 0)) {
        fprintf(stderr, "usage: test_apply MANIFESTS_DIR [lists]\n");
        return 2;
    }
    manifests = argv[1];
    if (argc == 3) {
        test_lists();
        printf("%d passed, %d failed\n", passed, failed);
        return failed == 0 ? 0 : 1;
    }
    test_names_and_capacities();
    test_manifests();
    test_watch_events();
    test_pods_and_revisions();
    test_controller_loop();
    test_refused();
    test_lists();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
