/*
 * Every exported function of libdsr, with good and bad inputs: NULL, wrong
 * length, invalid UTF-8, unknown enum value, misalignment, full tables, per-call
 * limits, small buffers. Each failure must give its own code and change
 * nothing (counts, out-parameters and buffers stay as they were).
 *
 * Built by tests/c/run.sh with -Werror and -fsanitize=address,undefined.
 * Ends with "N passed, M failed".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "dsr.h"
#include "dsr_config.h"

static int passed, failed;

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (cond) {                                                       \
            passed++;                                                     \
        } else {                                                          \
            failed++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                     \
        }                                                                 \
    } while (0)

/* A call's result must be the expected code. */
#define EXPECT(code, call)                                                \
    do {                                                                  \
        dsr_result r_ = (call);                                           \
        if (r_ == (code)) {                                               \
            passed++;                                                     \
        } else {                                                          \
            failed++;                                                     \
            fprintf(stderr, "%s:%d: %s\n  returned %u (%s), expected %u (%s)\n", \
                    __FILE__, __LINE__, #call, (unsigned)r_,              \
                    dsr_result_str((uint32_t)r_), (unsigned)(code),       \
                    dsr_result_str((uint32_t)(code)));                    \
        }                                                                 \
    } while (0)

static dsr_str S(const char *s) {
    dsr_str out;
    out.ptr = s;
    out.len = s ? strlen(s) : 0;
    return out;
}

static dsr_label L(const char *k, const char *v) {
    dsr_label l;
    l.key = S(k);
    l.value = S(v);
    return l;
}

static dsr_taint T(const char *k, const char *v, const char *effect) {
    dsr_taint t;
    t.key = S(k);
    t.value = S(v);
    t.effect = S(effect);
    return t;
}

static dsr_toleration TOL(const char *k, const char *op, const char *v, const char *effect) {
    dsr_toleration t;
    memset(&t, 0, sizeof t);
    t.key = S(k);
    t.op = S(op);
    t.value = S(v);
    t.effect = S(effect);
    return t;
}

static size_t node_count(const dsr_engine *e) {
    size_t n = 12345;
    if (dsr_engine_node_count(e, &n) != DSR_RESULT_OK) return 99999;
    return n;
}

static size_t set_count(const dsr_engine *e) {
    size_t n = 12345;
    if (dsr_engine_daemon_set_count(e, &n) != DSR_RESULT_OK) return 99999;
    return n;
}

static void *engine_memory(size_t *len) {
    size_t size = dsr_engine_size(), align = dsr_engine_align();
    size_t rounded = (size + align - 1) / align * align;
    *len = rounded;
    return aligned_alloc(align, rounded);
}

/* One plan per engine the tests use (the engine's address names it), set up
 * on first use and freed at the end. */
static struct {
    const dsr_engine *engine;
    void *mem;
    dsr_plan *plan;
} plans[16];

static dsr_plan *PLAN(const dsr_engine *e) {
    size_t i, size = dsr_plan_size(), align = dsr_plan_align();
    for (i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        if (plans[i].mem && plans[i].engine == e) return plans[i].plan;
    }
    for (i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        if (!plans[i].mem) {
            plans[i].mem = aligned_alloc(align, (size + align - 1) / align * align);
            if (!plans[i].mem ||
                dsr_plan_init(plans[i].mem, (size + align - 1) / align * align, &plans[i].plan) != DSR_RESULT_OK) {
                fprintf(stderr, "cannot set up a plan\n");
                exit(2);
            }
            plans[i].engine = e;
            return plans[i].plan;
        }
    }
    fprintf(stderr, "too many plans\n");
    exit(2);
}

static void free_plans(void) {
    size_t i;
    for (i = 0; i < sizeof plans / sizeof plans[0]; i++) free(plans[i].mem);
}

static dsr_engine *new_engine(void **mem) {
    size_t len;
    dsr_engine *e = NULL;
    *mem = engine_memory(&len);
    if (!*mem || dsr_engine_init(*mem, len, &e) != DSR_RESULT_OK) {
        fprintf(stderr, "cannot set up an engine\n");
        exit(2);
    }
    return e;
}

/* A node named `name` with labels and taints. */
static dsr_node N(const char *name, const dsr_label *labels, size_t nl, const dsr_taint *taints, size_t nt) {
    dsr_node n;
    memset(&n, 0, sizeof n);
    n.struct_size = sizeof n;
    n.name = S(name);
    n.labels = labels;
    n.labels_len = nl;
    n.taints = taints;
    n.taints_len = nt;
    return n;
}

static const dsr_label fluentd_labels[] = {{{"name", 4}, {"fluentd-elasticsearch", 21}}};
static const dsr_label_selector fluentd_selector = {fluentd_labels, 1, NULL, 0};

/* The fluentd-elasticsearch DaemonSet of the Kubernetes docs. */
static dsr_daemon_set fluentd(const dsr_toleration *tols, size_t n) {
    dsr_daemon_set d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.name = S("fluentd-elasticsearch");
    d.ns = S("kube-system");
    d.selector = &fluentd_selector;
    d.template_labels = fluentd_labels;
    d.template_labels_len = 1;
    d.tolerations = tols;
    d.tolerations_len = n;
    return d;
}

static void test_version_and_macros(void) {
    char buf[64];
    const char *v = dsr_version();
    CHECK(v != NULL);
    CHECK(strcmp(v, DSR_VERSION_STRING) == 0);
    snprintf(buf, sizeof buf, "%d.%d.%d", DSR_VERSION_MAJOR, DSR_VERSION_MINOR, DSR_VERSION_PATCH);
    CHECK(strcmp(buf, DSR_VERSION_STRING) == 0);
    CHECK(DSR_VERSION_AT_LEAST(DSR_VERSION_MAJOR, DSR_VERSION_MINOR, DSR_VERSION_PATCH));
    CHECK(DSR_VERSION_AT_LEAST(0, 0, 0));
    CHECK(!DSR_VERSION_AT_LEAST(DSR_VERSION_MAJOR + 1, 0, 0));
    CHECK(!DSR_VERSION_AT_LEAST(DSR_VERSION_MAJOR, DSR_VERSION_MINOR + 1, 0));
    CHECK(!DSR_VERSION_AT_LEAST(DSR_VERSION_MAJOR, DSR_VERSION_MINOR, DSR_VERSION_PATCH + 1));
    if (DSR_VERSION_MINOR > 0) CHECK(DSR_VERSION_AT_LEAST(DSR_VERSION_MAJOR, DSR_VERSION_MINOR - 1, 99));
    if (DSR_VERSION_MAJOR > 0) CHECK(DSR_VERSION_AT_LEAST(DSR_VERSION_MAJOR - 1, 99, 99));
    {
        dsr_str lit = DSR_STR_LIT("kube-system");
        CHECK(lit.len == 11 && memcmp(lit.ptr, "kube-system", 11) == 0);
    }
    {
        dsr_str empty = DSR_STR_LIT("");
        CHECK(empty.len == 0);
    }
    CHECK(DSR_NONE == UINT32_MAX);
}

static void test_result_str(void) {
    static const uint32_t codes[] = {
        DSR_RESULT_OK, DSR_RESULT_NULL_POINTER, DSR_RESULT_BAD_LENGTH, DSR_RESULT_INVALID_UTF8,
        DSR_RESULT_UNKNOWN_ENUM, DSR_RESULT_MISALIGNED, DSR_RESULT_BUFFER_TOO_SMALL,
        DSR_RESULT_NOT_AN_ENGINE, DSR_RESULT_FULL, DSR_RESULT_FULL_STRINGS,
        DSR_RESULT_FULL_STRING_BYTES, DSR_RESULT_FULL_NODES, DSR_RESULT_FULL_DAEMON_SETS,
        DSR_RESULT_FULL_PODS, DSR_RESULT_FULL_LABELS, DSR_RESULT_FULL_TAINTS,
        DSR_RESULT_FULL_TOLERATIONS, DSR_RESULT_FULL_REQUIREMENTS, DSR_RESULT_FULL_VALUES,
        DSR_RESULT_FULL_TERMS, DSR_RESULT_FULL_FIELDS, DSR_RESULT_FULL_OUTPUT, DSR_RESULT_FULL_BACKOFF,
        DSR_RESULT_FULL_REVISIONS, DSR_RESULT_CALL_LIMIT, DSR_RESULT_FULL_SCRATCH, DSR_RESULT_INVALID, DSR_RESULT_TOO_LONG,
        DSR_RESULT_INVALID_LABEL_KEY, DSR_RESULT_INVALID_LABEL_VALUE, DSR_RESULT_INVALID_NAME,
        DSR_RESULT_INVALID_SELECTOR, DSR_RESULT_SELECTOR_PARSE, DSR_RESULT_DUPLICATE,
        DSR_RESULT_NOT_FOUND, DSR_RESULT_STALE_REASON, DSR_RESULT_INVALID_DAEMON_SET,
        DSR_RESULT_INVALID_JSON, DSR_RESULT_WATCH_ERROR, DSR_RESULT_PANIC, DSR_RESULT_LOGIC_BUG,
        DSR_RESULT_UNMAPPED_ERROR,
    };
    size_t i, j;
    const char *unknown = dsr_result_str(1);
    CHECK(unknown != NULL && strcmp(unknown, "unknown dsr_result") == 0);
    CHECK(strcmp(dsr_result_str(UINT32_MAX), "unknown dsr_result") == 0);
    CHECK(strcmp(dsr_result_str(DSR_RESULT_OK), "ok") == 0);
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *s = dsr_result_str(codes[i]);
        CHECK(s != NULL && s[0] != '\0' && strcmp(s, unknown) != 0);
        for (j = 0; j < i; j++) CHECK(strcmp(s, dsr_result_str(codes[j])) != 0);
    }
}

static void test_init(void) {
    size_t len, size = dsr_engine_size(), align = dsr_engine_align();
    dsr_capacities caps, untouched;
    dsr_engine *e = (dsr_engine *)&len, *before = e;
    unsigned char *mem;

    CHECK(size > 0);
    CHECK(align > 0 && (align & (align - 1)) == 0);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_capacities(NULL));
    EXPECT(DSR_RESULT_OK, dsr_engine_capacities(&caps));
    CHECK(caps.engine_size == size && caps.engine_align == align);
    CHECK(caps.nodes > 0 && caps.daemon_sets > 0 && caps.strings > 0 && caps.labels > 0);
    CHECK(caps.string_max == 1024);
    CHECK(caps.call_labels > 0 && caps.call_requirements > 0 && caps.call_terms > 0);
    memset(&untouched, 0xAB, sizeof untouched);
    EXPECT(DSR_RESULT_MISALIGNED, dsr_engine_capacities((dsr_capacities *)((char *)&untouched + 1)));

    mem = engine_memory(&len);
    CHECK(mem != NULL);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_init(mem, len, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_init(NULL, len, &e));
    CHECK(e == before);
    EXPECT(DSR_RESULT_BAD_LENGTH, dsr_engine_init(mem, size - 1, &e));
    EXPECT(DSR_RESULT_BAD_LENGTH, dsr_engine_init(mem, 0, &e));
    CHECK(e == before);
    if (align > 1) {
        EXPECT(DSR_RESULT_MISALIGNED, dsr_engine_init(mem + 1, len - align, &e));
        CHECK(e == before);
    }
    /* Memory that was never set up is not an engine. */
    memset(mem, 0, len);
    EXPECT(DSR_RESULT_NOT_AN_ENGINE, dsr_engine_clear((dsr_engine *)mem));
    {
        size_t n = 7;
        EXPECT(DSR_RESULT_NOT_AN_ENGINE, dsr_engine_node_count((const dsr_engine *)mem, &n));
        CHECK(n == 7);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_init(mem, size, &e));
    CHECK((void *)e == (void *)mem);
    CHECK(node_count(e) == 0 && set_count(e) == 0);
    if (align > 1) {
        size_t n = 7;
        EXPECT(DSR_RESULT_MISALIGNED, dsr_engine_node_count((const dsr_engine *)(mem + 1), &n));
    }
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_clear(NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_node_count(e, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_node_count(NULL, &len));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_daemon_set_count(e, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_daemon_set_count(NULL, &len));
    free(mem);
}

static void test_nodes(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_label labels[] = {L("kubernetes.io/arch", "arm64"), L("kubernetes.io/os", "linux")};
    dsr_taint taints[] = {T("node-role.kubernetes.io/control-plane", "", "NoSchedule")};
    dsr_node n = N("edge-rpi4-01", labels, 2, taints, 1);
    uint32_t id = 77, id2 = 77, found = 77;
    static const char bad_utf8[] = {'n', (char)0xC3, (char)0x28, 0};

    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(NULL, &n, &id));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(e, NULL, &id));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(e, &n, NULL));
    CHECK(id == 77 && node_count(e) == 0);

    /* A NULL array with a length, a NULL string with a length. */
    n.labels = NULL;
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(e, &n, &id));
    n.labels = labels;
    labels[1].value.ptr = NULL;
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(e, &n, &id));
    labels[1].value = S("linux");
    /* An array longer than memory. */
    n.taints_len = SIZE_MAX / 2;
    EXPECT(DSR_RESULT_BAD_LENGTH, dsr_engine_add_node(e, &n, &id));
    n.taints_len = 1;
    /* Invalid UTF-8 in the name, a label, a taint. */
    n.name = S(bad_utf8);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_node(e, &n, &id));
    n.name = S("edge-rpi4-01");
    labels[0].value = S(bad_utf8);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_node(e, &n, &id));
    labels[0].value = S("arm64");
    taints[0].effect = S(bad_utf8);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_node(e, &n, &id));
    taints[0].effect = S("NoSchedule");
    /* A misaligned array. */
    {
        unsigned char raw[sizeof(dsr_label) * 3];
        dsr_node m = n;
        memcpy(raw + 1, labels, sizeof(dsr_label));
        m.labels = (const dsr_label *)(raw + 1);
        m.labels_len = 1;
        EXPECT(DSR_RESULT_MISALIGNED, dsr_engine_add_node(e, &m, &id));
    }
    /* Too long a string (a label value: a name that long is not a DNS
     * subdomain). */
    {
        char *long_value = malloc(2000);
        dsr_label big;
        dsr_node m = n;
        memset(long_value, 'a', 2000);
        big.key = S("note");
        big.value.ptr = long_value;
        big.value.len = 2000;
        m.labels = &big;
        m.labels_len = 1;
        EXPECT(DSR_RESULT_TOO_LONG, dsr_engine_add_node(e, &m, &id));
        free(long_value);
    }
    /* A versioned struct without its struct_size, or with a size no release
     * had, is refused. */
    {
        dsr_node m = n;
        m.struct_size = 0;
        EXPECT(DSR_RESULT_BAD_STRUCT_SIZE, dsr_engine_add_node(e, &m, &id));
        m.struct_size = sizeof m - 8;
        EXPECT(DSR_RESULT_BAD_STRUCT_SIZE, dsr_engine_add_node(e, &m, &id));
        m.struct_size = sizeof m + 8;
        EXPECT(DSR_RESULT_BAD_STRUCT_SIZE, dsr_engine_add_node(e, &m, &id));
    }
    /* A name with an embedded NUL is refused, the last error naming the
     * field; a NULL pointer and the empty string are the same empty name,
     * which upstream's placement accepts for a node (unique, as any). */
    {
        dsr_node m = N(NULL, NULL, 0, NULL, 0);
        uint32_t a = 0, b = 0;
        char buf[256];
        size_t len = 0;
        m.name.ptr = "edge\0rpi";
        m.name.len = 8;
        EXPECT(DSR_RESULT_INVALID_NAME, dsr_engine_add_node(e, &m, &id));
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strstr(buf, "invalid metadata.name") != NULL);
        m = N(NULL, NULL, 0, NULL, 0);
        EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &m, &a));
        m.name.ptr = "";
        EXPECT(DSR_RESULT_DUPLICATE, dsr_engine_add_node(e, &m, &b));
        EXPECT(DSR_RESULT_OK, dsr_engine_remove_node(e, a));
    }
    CHECK(id == 77 && node_count(e) == 0);

    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n, &id));
    CHECK(id != 77 && node_count(e) == 1);
    EXPECT(DSR_RESULT_DUPLICATE, dsr_engine_add_node(e, &n, &id2));
    CHECK(id2 == 77 && node_count(e) == 1);
    {
        char buf[128];
        size_t len = 0;
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strstr(buf, "already") != NULL && len == strlen(buf));
    }

    /* A NULL argument after the engine is the engine's last error too. */
    {
        char buf[128];
        size_t len = 0;
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_node(e, NULL, &id2));
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "a required pointer is NULL") == 0);
    }

    /* Lookups. */
    EXPECT(DSR_RESULT_OK, dsr_engine_find_node(e, S("edge-rpi4-01"), &found));
    CHECK(found == id);
    found = 77;
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_find_node(e, S("nope"), &found));
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_find_node(e, S(bad_utf8), &found));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_node(e, S("edge-rpi4-01"), NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_node(NULL, S("edge-rpi4-01"), &found));
    {
        dsr_str broken = {NULL, 3};
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_node(e, broken, &found));
    }
    CHECK(found == 77);

    /* Update: same id, new name; duplicates and unknown ids refused. */
    {
        dsr_node m = N("edge-rpi4-02", labels, 1, NULL, 0);
        uint32_t other;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &m, &other));
        m.name = S("edge-rpi4-01");
        EXPECT(DSR_RESULT_DUPLICATE, dsr_engine_update_node(e, other, &m));
        m.name = S("edge-rpi4-03");
        EXPECT(DSR_RESULT_OK, dsr_engine_update_node(e, other, &m));
        EXPECT(DSR_RESULT_OK, dsr_engine_find_node(e, S("edge-rpi4-03"), &found));
        CHECK(found == other);
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_find_node(e, S("edge-rpi4-02"), &found));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_update_node(e, 9999, &m));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_update_node(e, other, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_update_node(NULL, other, &m));
        m.name = S(bad_utf8);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_update_node(e, other, &m));
        EXPECT(DSR_RESULT_OK, dsr_engine_find_node(e, S("edge-rpi4-03"), &found));
        EXPECT(DSR_RESULT_OK, dsr_engine_remove_node(e, other));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_remove_node(e, other));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_remove_node(NULL, other));
    }
    CHECK(node_count(e) == 1);

    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));
    CHECK(node_count(e) == 0);
    {
        char buf[32];
        size_t len;
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "no error") == 0 && len == 8);
    }
    free(mem);
}

/* Per-call limits: one label too many is DSR_RESULT_CALL_LIMIT. */
static void test_call_limits(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_capacities caps;
    dsr_label *labels;
    dsr_requirement *reqs;
    dsr_node_selector_term *terms;
    dsr_daemon_set d;
    uint32_t id = 77;
    size_t i;

    dsr_engine_capacities(&caps);
    labels = calloc(caps.call_labels + 1, sizeof *labels);
    for (i = 0; i <= caps.call_labels; i++) labels[i] = L("k", "v");
    {
        dsr_node n = N("n", labels, caps.call_labels + 1, NULL, 0);
        EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_add_node(e, &n, &id));
        n.labels_len = caps.call_labels;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n, &id));
    }
    /* Labels of one call add up across arrays. */
    d = fluentd(NULL, 0);
    d.node_selector = labels;
    d.node_selector_len = caps.call_labels; /* + 1 template label */
    EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_add_daemon_set(e, &d, &id));

    reqs = calloc(caps.call_requirements + 1, sizeof *reqs);
    for (i = 0; i <= caps.call_requirements; i++) {
        reqs[i].key = S("zone");
        reqs[i].op = S("Exists");
    }
    terms = calloc(caps.call_terms + 1, sizeof *terms);
    d = fluentd(NULL, 0);
    d.has_required_node_affinity = true;
    d.required_node_affinity = terms;
    d.required_node_affinity_len = caps.call_terms + 1;
    EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_add_daemon_set(e, &d, &id));
    terms[0].match_expressions = reqs;
    terms[0].match_expressions_len = caps.call_requirements + 1;
    d.required_node_affinity_len = 1;
    EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_add_daemon_set(e, &d, &id));
    CHECK(set_count(e) == 0);
    terms[0].match_expressions_len = caps.call_requirements;
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &id));
    CHECK(set_count(e) == 1);
    {
        /* A selector string with more requirements than the limit. */
        size_t cap = caps.call_requirements + 1, used = 0;
        char *sel = malloc(cap * 8 + 1);
        bool m = true;
        for (i = 0; i < cap; i++) used += (size_t)sprintf(sel + used, "%sk%u", i ? "," : "", (unsigned)i);
        EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_selector_string_matches(e, S(sel), NULL, 0, &m));
        CHECK(m == true);
        free(sel);
    }
    free(labels);
    free(reqs);
    free(terms);
    free(mem);
}

/* Full tables: each gives its own code and changes nothing. */
static void test_full_tables(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_capacities caps;
    char name[64];
    uint32_t id;
    size_t i, added = 0;
    dsr_result r = DSR_RESULT_OK;

    dsr_engine_capacities(&caps);
    for (i = 0; i < caps.nodes + 1; i++) {
        dsr_node n;
        snprintf(name, sizeof name, "node-%u", (unsigned)i);
        n = N(name, NULL, 0, NULL, 0);
        r = dsr_engine_add_node(e, &n, &id);
        if (r != DSR_RESULT_OK) break;
        added++;
    }
    EXPECT(DSR_RESULT_FULL_NODES, r);
    CHECK(added == caps.nodes && node_count(e) == caps.nodes);
    {
        char buf[256];
        size_t len;
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strstr(buf, "nodes table is full") != NULL);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));

    /* Labels: nodes with call_labels labels each, over few strings. */
    {
        size_t per = caps.call_labels, k;
        dsr_label *labels = calloc(per, sizeof *labels);
        char (*keys)[16] = calloc(per, sizeof *keys);
        for (k = 0; k < per; k++) {
            snprintf(keys[k], sizeof keys[k], "k%u", (unsigned)k);
            labels[k] = L(keys[k], "v");
        }
        added = 0;
        for (i = 0; i < caps.nodes; i++) {
            dsr_node n;
            snprintf(name, sizeof name, "n%u", (unsigned)i);
            n = N(name, labels, per, NULL, 0);
            r = dsr_engine_add_node(e, &n, &id);
            if (r != DSR_RESULT_OK) break;
            added++;
        }
        if (caps.labels / per < caps.nodes) {
            EXPECT(DSR_RESULT_FULL_LABELS, r);
            CHECK(node_count(e) == added);
        }
        free(labels);
        free(keys);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));

    /* Strings: template labels with distinct values. */
    {
        size_t per = caps.call_labels / 2, k;
        dsr_label *labels = calloc(per, sizeof *labels);
        char (*vals)[24] = calloc(per * (caps.daemon_sets + 1), sizeof *vals);
        size_t before;
        added = 0;
        r = DSR_RESULT_OK;
        for (i = 0; i < caps.daemon_sets && r == DSR_RESULT_OK; i++) {
            dsr_daemon_set d = fluentd(NULL, 0);
            for (k = 0; k < per; k++) {
                char *v = vals[i * per + k];
                snprintf(v, 24, "v%u-%u", (unsigned)i, (unsigned)k);
                /* Distinct keys: a repeated key keeps only its last value,
                 * and strings nothing holds are given back. */
                labels[k] = L(v, v);
            }
            snprintf(name, sizeof name, "ds-%u", (unsigned)i);
            d.name = S(name);
            d.node_selector = labels;
            d.node_selector_len = per;
            before = set_count(e);
            r = dsr_engine_add_daemon_set(e, &d, &id);
            if (r == DSR_RESULT_OK) added++;
            else CHECK(set_count(e) == before);
        }
        if (caps.strings < caps.daemon_sets * per) {
            CHECK(r == DSR_RESULT_FULL_STRINGS || r == DSR_RESULT_FULL_STRING_BYTES ||
                  r == DSR_RESULT_FULL_LABELS);
            EXPECT(DSR_RESULT_FULL_STRINGS, r);
        }
        free(labels);
        free(vals);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));

    /* String bytes: long distinct names. */
    {
        char *big = malloc(caps.string_max + 1);
        size_t count = caps.string_bytes / caps.string_max + 2;
        r = DSR_RESULT_OK;
        added = 0;
        for (i = 0; i < count && i < caps.nodes && r == DSR_RESULT_OK; i++) {
            dsr_node n;
            memset(big, 'a' + (int)(i % 26), caps.string_max);
            snprintf(big, 16, "%08u", (unsigned)i);
            big[8] = 'x';
            char node_name[16];
            dsr_label note;
            snprintf(node_name, sizeof node_name, "n-%u", (unsigned)i);
            note.key = S("note");
            note.value.ptr = big;
            note.value.len = caps.string_max;
            n = N(node_name, &note, 1, NULL, 0);
            r = dsr_engine_add_node(e, &n, &id);
            if (r == DSR_RESULT_OK) added++;
        }
        if (count <= caps.nodes) {
            EXPECT(DSR_RESULT_FULL_STRING_BYTES, r);
            CHECK(node_count(e) == added);
        }
        free(big);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));

    /* DaemonSets. */
    added = 0;
    for (i = 0; i < caps.daemon_sets + 1; i++) {
        dsr_daemon_set d = fluentd(NULL, 0);
        snprintf(name, sizeof name, "ds-%u", (unsigned)i);
        d.name = S(name);
        r = dsr_engine_add_daemon_set(e, &d, &id);
        if (r != DSR_RESULT_OK) break;
        added++;
    }
    EXPECT(DSR_RESULT_FULL_DAEMON_SETS, r);
    CHECK(added == caps.daemon_sets && set_count(e) == caps.daemon_sets);
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));

    /* Taints: the rule tables are shared by size; fill taints with nodes. */
    {
        size_t per = caps.call_taints, k;
        dsr_taint *taints = calloc(per, sizeof *taints);
        for (k = 0; k < per; k++) taints[k] = T("t", "v", "NoSchedule");
        r = DSR_RESULT_OK;
        added = 0;
        for (i = 0; i < caps.nodes && r == DSR_RESULT_OK; i++) {
            dsr_node n;
            snprintf(name, sizeof name, "t%u", (unsigned)i);
            n = N(name, NULL, 0, taints, per);
            r = dsr_engine_add_node(e, &n, &id);
            if (r == DSR_RESULT_OK) added++;
        }
        if (caps.rules / per < caps.nodes) {
            EXPECT(DSR_RESULT_FULL_TAINTS, r);
            CHECK(node_count(e) == added);
        }
        free(taints);
    }
    free(mem);
}

static void test_daemon_sets_and_placement(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_toleration tols[] = {TOL("node-role.kubernetes.io/master", "", "", "NoSchedule")};
    dsr_daemon_set d = fluentd(tols, 1);
    dsr_label arm[] = {L("kubernetes.io/arch", "arm64")};
    dsr_taint cp[] = {T("node-role.kubernetes.io/control-plane", "", "NoSchedule")};
    dsr_taint gpu[] = {T("a", "b", "PreferNoSchedule"), T("nvidia.com/gpu", "present", "NoExecute")};
    dsr_node worker = N("worker-1", arm, 1, NULL, 0);
    dsr_node cp1 = N("cp-1", arm, 1, cp, 1);
    dsr_node g = N("gpu-1", arm, 1, gpu, 2);
    uint32_t set = 77, w, c, gid, found;
    dsr_placement p, untouched;
    char buf[256];
    size_t len;

    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_daemon_set(NULL, &d, &set));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_daemon_set(e, NULL, &set));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_daemon_set(e, &d, NULL));
    CHECK(set == 77);
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
    EXPECT(DSR_RESULT_DUPLICATE, dsr_engine_add_daemon_set(e, &d, &found));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &worker, &w));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &cp1, &c));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &g, &gid));

    EXPECT(DSR_RESULT_OK, dsr_engine_find_daemon_set(e, S("kube-system"), S("fluentd-elasticsearch"), &found));
    CHECK(found == set);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_find_daemon_set(e, S("default"), S("fluentd-elasticsearch"), &found));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_daemon_set(e, S("kube-system"), S("x"), NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_daemon_set(NULL, S("kube-system"), S("x"), &found));
    {
        static const char bad[] = {(char)0xFF, 0};
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_find_daemon_set(e, S(bad), S("x"), &found));
    }

    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, w, &p));
    CHECK(p.should_run && p.should_continue_running);
    CHECK(p.reason.kind == DSR_REASON_KIND_ELIGIBLE && p.reason.set_id == set && p.reason.node_id == w);
    EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "eligible") == 0 && len == 8);

    /* The control-plane taint is not the master one the DaemonSet tolerates. */
    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, c, &p));
    CHECK(!p.should_run && p.should_continue_running);
    CHECK(p.reason.kind == DSR_REASON_KIND_UNTOLERATED_TAINT && p.reason.taint == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "node has taint node-role.kubernetes.io/control-plane:NoSchedule that the pod "
                      "does not tolerate (a pod already there may stay)") == 0);
    CHECK(len == strlen(buf));

    /* Too small a buffer: nothing written, the length reported. */
    {
        char small[8];
        size_t need = 0;
        memset(small, 'Z', sizeof small);
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_describe(e, &p.reason, small, sizeof small, &need));
        CHECK(need == len);
        CHECK(small[0] == 'Z' && small[7] == 'Z');
        need = 0;
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_describe(e, &p.reason, NULL, 0, &need));
        CHECK(need == len);
        /* Exactly the length is one byte short (the NUL). */
        {
            char *exact = malloc(len + 1);
            EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_describe(e, &p.reason, exact, len, &need));
            EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, exact, len + 1, &need));
            CHECK(need == len && exact[len] == '\0');
            free(exact);
        }
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_describe(e, &p.reason, NULL, 1000, &need));
    }
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_describe(e, NULL, buf, sizeof buf, &len));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_describe(e, &p.reason, buf, sizeof buf, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_describe(NULL, &p.reason, buf, sizeof buf, &len));
    {
        dsr_reason r = p.reason;
        r.kind = 99;
        EXPECT(DSR_RESULT_UNKNOWN_ENUM, dsr_engine_describe(e, &r, buf, sizeof buf, &len));
        r.kind = DSR_REASON_KIND_ELIGIBLE;
        EXPECT(DSR_RESULT_STALE_REASON, dsr_engine_describe(e, &r, buf, sizeof buf, &len));
        r = p.reason;
        r.node_id = 4000;
        EXPECT(DSR_RESULT_STALE_REASON, dsr_engine_describe(e, &r, buf, sizeof buf, &len));
    }

    /* NoExecute: may not stay either; the taint index skips PreferNoSchedule. */
    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, gid, &p));
    CHECK(!p.should_run && !p.should_continue_running);
    CHECK(p.reason.kind == DSR_REASON_KIND_UNTOLERATED_TAINT && p.reason.taint == 1);
    /* After the node changes, the old reason is stale. */
    {
        dsr_node g2 = N("gpu-1", arm, 1, gpu, 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_update_node(e, gid, &g2));
        EXPECT(DSR_RESULT_STALE_REASON, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
        EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, gid, &p));
        CHECK(p.should_run);
    }

    memset(&untouched, 0x5A, sizeof untouched);
    p = untouched;
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_should_run(e, set, 4000, &p));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_should_run(e, 4000, w, &p));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_should_run(e, set, w, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_should_run(NULL, set, w, &p));
    CHECK(memcmp(&p, &untouched, sizeof p) == 0);

    /* nodeSelector, node affinity, nodeName. */
    {
        dsr_label want_amd[] = {L("kubernetes.io/arch", "amd64")};
        dsr_str zones[] = {DSR_STR_LIT("zone-a"), DSR_STR_LIT("zone-b")};
        dsr_requirement reqs[] = {{DSR_STR_LIT("topology.kubernetes.io/zone"), DSR_STR_LIT("In"), zones, 2}};
        dsr_node_selector_term terms[2];
        dsr_daemon_set d2 = fluentd(NULL, 0);
        uint32_t s2;
        bool m = true;

        d2.name = S("pinned");
        d2.node_selector = want_amd;
        d2.node_selector_len = 1;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d2, &s2));
        EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, s2, w, &p));
        CHECK(!p.should_run && !p.should_continue_running && p.reason.kind == DSR_REASON_KIND_NODE_SELECTOR_MISMATCH);
        EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "nodeSelector wants kubernetes.io/arch=amd64 but the node has kubernetes.io/arch=arm64") == 0);
        EXPECT(DSR_RESULT_OK, dsr_engine_matches_node_affinity(e, s2, w, &m));
        CHECK(!m);
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_matches_node_affinity(e, s2, w, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_matches_node_affinity(NULL, s2, w, &m));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_matches_node_affinity(e, s2, 4000, &m));

        memset(terms, 0, sizeof terms);
        terms[1].match_expressions = reqs;
        terms[1].match_expressions_len = 1;
        d2.node_selector_len = 0;
        d2.has_required_node_affinity = true;
        d2.required_node_affinity = terms;
        d2.required_node_affinity_len = 2;
        EXPECT(DSR_RESULT_OK, dsr_engine_update_daemon_set(e, s2, &d2));
        EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, s2, w, &p));
        CHECK(p.reason.kind == DSR_REASON_KIND_NODE_AFFINITY_MISMATCH && p.reason.terms == 2 && p.reason.term == 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
        CHECK(strstr(buf, "topology.kubernetes.io/zone in (zone-a,zone-b)") != NULL);

        /* Required node affinity with no terms selects nothing. */
        d2.required_node_affinity = NULL;
        d2.required_node_affinity_len = 0;
        EXPECT(DSR_RESULT_OK, dsr_engine_update_daemon_set(e, s2, &d2));
        EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, s2, w, &p));
        CHECK(p.reason.kind == DSR_REASON_KIND_NODE_AFFINITY_MISMATCH && p.reason.term == DSR_NONE);

        d2.has_required_node_affinity = false;
        d2.node_name = S("cp-1");
        EXPECT(DSR_RESULT_OK, dsr_engine_update_daemon_set(e, s2, &d2));
        EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, s2, w, &p));
        CHECK(p.reason.kind == DSR_REASON_KIND_NODE_NAME_MISMATCH);
        EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "template spec.nodeName is \"cp-1\"") == 0);

        /* Invalid selectors are refused and change nothing. */
        {
            dsr_requirement bad[] = {{DSR_STR_LIT("app"), DSR_STR_LIT("Bogus"), NULL, 0}};
            dsr_label_selector sel = {NULL, 0, bad, 1};
            dsr_daemon_set d3 = fluentd(NULL, 0);
            size_t before = set_count(e);
            uint32_t s3 = 77;
            d3.name = S("bad-selector");
            d3.selector = &sel;
            EXPECT(DSR_RESULT_INVALID_SELECTOR, dsr_engine_add_daemon_set(e, &d3, &s3));
            bad[0].op = S("In"); /* In without values */
            EXPECT(DSR_RESULT_INVALID_SELECTOR, dsr_engine_add_daemon_set(e, &d3, &s3));
            bad[0].op = S("Exists");
            bad[0].key = S("-bad-key-");
            EXPECT(DSR_RESULT_INVALID_SELECTOR, dsr_engine_add_daemon_set(e, &d3, &s3));
            EXPECT(DSR_RESULT_INVALID_SELECTOR, dsr_engine_update_daemon_set(e, s2, &d3));
            CHECK(set_count(e) == before && s3 == 77);
            EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
            CHECK(strstr(buf, "invalid label selector") != NULL);
            /* A NULL values array with a length. */
            bad[0].key = S("app");
            bad[0].op = S("In");
            bad[0].values_len = 1;
            EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_daemon_set(e, &d3, &s3));
            /* A NULL term array with a length. */
            d3.selector = NULL;
            d3.has_required_node_affinity = true;
            d3.required_node_affinity_len = 1;
            EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_daemon_set(e, &d3, &s3));
            CHECK(set_count(e) == before && s3 == 77);
        }
        /* A nil selector selects nothing; the DaemonSet is still placed. */
        {
            dsr_label lbl[] = {L("name", "fluentd-elasticsearch")};
            d2 = fluentd(NULL, 0);
            d2.name = S("nil-selector");
            d2.selector = NULL;
            EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d2, &s2));
            m = true;
            EXPECT(DSR_RESULT_OK, dsr_engine_selector_matches(e, s2, lbl, 1, &m));
            CHECK(!m);
            EXPECT(DSR_RESULT_OK, dsr_engine_selector_matches(e, set, lbl, 1, &m));
            CHECK(m);
            EXPECT(DSR_RESULT_OK, dsr_engine_selector_matches(e, set, NULL, 0, &m));
            CHECK(!m);
            EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_selector_matches(e, 4000, lbl, 1, &m));
            EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_matches(e, set, NULL, 1, &m));
            EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_matches(e, set, lbl, 1, NULL));
            EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_matches(NULL, set, lbl, 1, &m));
            EXPECT(DSR_RESULT_OK, dsr_engine_remove_daemon_set(e, s2));
            EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_remove_daemon_set(e, s2));
            EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_remove_daemon_set(NULL, s2));
        }
    }
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_update_daemon_set(e, set, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_update_daemon_set(NULL, set, &d));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_update_daemon_set(e, 4000, &d));
    free(mem);
}

static void test_queries(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_label labels[] = {L("tier", "edge")};
    dsr_taint taints[] = {T("a", "1", "PreferNoSchedule"), T("b", "2", "NoSchedule"), T("c", "3", "NoExecute")};
    dsr_toleration tols[] = {TOL("b", "Equal", "2", "NoSchedule")};
    dsr_toleration exists = TOL("", "Exists", "", "");
    dsr_str effects[] = {DSR_STR_LIT("NoExecute")};
    bool m = false, found = false;
    size_t index = 77, len;
    char buf[128];
    static const char bad[] = {'x', (char)0x80, 0};

    EXPECT(DSR_RESULT_OK, dsr_engine_selector_string_matches(e, S("tier in (edge,core),!gpu"), labels, 1, &m));
    CHECK(m);
    EXPECT(DSR_RESULT_OK, dsr_engine_selector_string_matches(e, S("tier=core"), labels, 1, &m));
    CHECK(!m);
    m = true;
    EXPECT(DSR_RESULT_SELECTOR_PARSE, dsr_engine_selector_string_matches(e, S("tier in ("), labels, 1, &m));
    CHECK(m);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_selector_string_matches(e, S(bad), labels, 1, &m));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_string_matches(e, S("a"), NULL, 1, &m));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_string_matches(e, S("a"), labels, 1, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_string_matches(NULL, S("a"), labels, 1, &m));

    EXPECT(DSR_RESULT_OK, dsr_selector_canonical(S("z=1, a in (c,b,b)"), buf, sizeof buf, &len));
    CHECK(strcmp(buf, "a in (b,c),z=1") == 0 && len == strlen(buf));
    EXPECT(DSR_RESULT_OK, dsr_selector_canonical(S(""), buf, sizeof buf, &len));
    CHECK(buf[0] == '\0' && len == 0);
    EXPECT(DSR_RESULT_SELECTOR_PARSE, dsr_selector_canonical(S("a in ("), buf, sizeof buf, &len));
    EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_selector_canonical(S("abc"), buf, 3, &len));
    CHECK(len == 3);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_selector_canonical(S("abc"), buf, sizeof buf, NULL));
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_selector_canonical(S(bad), buf, sizeof buf, &len));

    EXPECT(DSR_RESULT_OK, dsr_engine_tolerates(e, &tols[0], &taints[1], &m));
    CHECK(m);
    EXPECT(DSR_RESULT_OK, dsr_engine_tolerates(e, &tols[0], &taints[2], &m));
    CHECK(!m);
    EXPECT(DSR_RESULT_OK, dsr_engine_tolerates(e, &exists, &taints[2], &m));
    CHECK(m);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_tolerates(e, NULL, &taints[0], &m));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_tolerates(e, &exists, NULL, &m));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_tolerates(e, &exists, &taints[0], NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_tolerates(NULL, &exists, &taints[0], &m));
    {
        dsr_toleration t = exists;
        t.op = S(bad);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_tolerates(e, &t, &taints[0], &m));
    }
    {
        /* Toleration operator Gt (KEP-5471): upstream's ToleratesTaint compares
         * 999 > 950 only with the feature gate TaintTolerationComparisonOperators
         * on (off by default); an unknown gate is refused and changes nothing. */
        dsr_toleration gt = TOL("example.com/sla", "Gt", "950", "NoSchedule");
        dsr_taint sla = T("example.com/sla", "999", "NoSchedule");
        EXPECT(DSR_RESULT_OK, dsr_engine_tolerates(e, &gt, &sla, &m));
        CHECK(!m);
        EXPECT(DSR_RESULT_OK, dsr_engine_set_feature_gate(e, S("TaintTolerationComparisonOperators"), true));
        EXPECT(DSR_RESULT_OK, dsr_engine_tolerates(e, &gt, &sla, &m));
        CHECK(m);
        EXPECT(DSR_RESULT_UNKNOWN_FEATURE_GATE, dsr_engine_set_feature_gate(e, S("NoSuchGate"), false));
        EXPECT(DSR_RESULT_OK, dsr_engine_tolerates(e, &gt, &sla, &m));
        CHECK(m);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_set_feature_gate(e, S(bad), true));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_set_feature_gate(NULL, S("TaintTolerationComparisonOperators"), true));
        EXPECT(DSR_RESULT_OK, dsr_engine_set_feature_gate(e, S("TaintTolerationComparisonOperators"), false));
    }

    EXPECT(DSR_RESULT_OK, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, false, NULL, 0, &found, &index));
    CHECK(found && index == 0); /* PreferNoSchedule counts when all effects do */
    EXPECT(DSR_RESULT_OK, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, true, effects, 1, &found, &index));
    CHECK(found && index == 2);
    EXPECT(DSR_RESULT_OK, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, true, NULL, 0, &found, &index));
    CHECK(!found && index == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_find_untolerated_taint(e, taints, 3, &exists, 1, false, NULL, 0, &found, &index));
    CHECK(!found);
    found = true;
    index = 77;
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_untolerated_taint(e, NULL, 3, tols, 1, false, NULL, 0, &found, &index));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_untolerated_taint(e, taints, 3, NULL, 1, false, NULL, 0, &found, &index));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, true, NULL, 1, &found, &index));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, false, NULL, 0, NULL, &index));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, false, NULL, 0, &found, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_untolerated_taint(NULL, taints, 3, tols, 1, false, NULL, 0, &found, &index));
    {
        dsr_str bad_effects[] = {{bad, 2}};
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_find_untolerated_taint(e, taints, 3, tols, 1, true, bad_effects, 1, &found, &index));
    }
    CHECK(found && index == 77);
    /* Queries leave the engine as it was. */
    CHECK(node_count(e) == 0 && set_count(e) == 0);
    free(mem);
}

static void test_validation(void) {
    static const char bad[] = {'a', (char)0xC0, 0};
    EXPECT(DSR_RESULT_OK, dsr_validate_label_key(S("kubernetes.io/arch")));
    EXPECT(DSR_RESULT_OK, dsr_validate_label_key(S("app")));
    EXPECT(DSR_RESULT_INVALID_LABEL_KEY, dsr_validate_label_key(S("")));
    EXPECT(DSR_RESULT_INVALID_LABEL_KEY, dsr_validate_label_key(S("a/b/c")));
    EXPECT(DSR_RESULT_INVALID_LABEL_KEY, dsr_validate_label_key(S("Example.com/x")));
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_validate_label_key(S(bad)));
    {
        dsr_str null_with_len = {NULL, 4};
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_validate_label_key(null_with_len));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_validate_label_value(null_with_len));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_validate_dns_subdomain(null_with_len));
    }
    EXPECT(DSR_RESULT_OK, dsr_validate_label_value(S("")));
    EXPECT(DSR_RESULT_OK, dsr_validate_label_value(S("v1.2_3-x")));
    EXPECT(DSR_RESULT_INVALID_LABEL_VALUE, dsr_validate_label_value(S("-x")));
    EXPECT(DSR_RESULT_INVALID_LABEL_VALUE,
           dsr_validate_label_value(S("0123456789012345678901234567890123456789012345678901234567890123")));
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_validate_label_value(S(bad)));
    EXPECT(DSR_RESULT_OK, dsr_validate_dns_subdomain(S("kube-system")));
    EXPECT(DSR_RESULT_OK, dsr_validate_dns_subdomain(S("a.b-c.d")));
    EXPECT(DSR_RESULT_INVALID_NAME, dsr_validate_dns_subdomain(S("")));
    EXPECT(DSR_RESULT_INVALID_NAME, dsr_validate_dns_subdomain(S("Kube")));
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_validate_dns_subdomain(S(bad)));
}

/* ---- pods and the sync ------------------------------------------------ */

#define NOW 1709290800 /* 2024-03-01T11:00:00Z */

static size_t pod_count(const dsr_engine *e) {
    size_t n = 12345;
    if (dsr_engine_pod_count(e, &n) != DSR_RESULT_OK) return 99999;
    return n;
}

static const char FLUENTD_UID[] = "9b1c2d3e-0000-4000-8000-000000000001";

/* fluentd as the sync sees it: uid, revision, template generation. */
static dsr_daemon_set fluentd_sync(void) {
    dsr_daemon_set d = fluentd(NULL, 0);
    d.uid = S(FLUENTD_UID);
    d.generation = 1;
    d.revision_hash = S("6d8f7c9b5");
    d.has_template_generation = true;
    d.template_generation = S("1");
    return d;
}

/* A daemon pod of fluentd on `node`, made from the labels the engine gives. */
static dsr_pod daemon_pod(const char *name, const char *node, const dsr_label *labels, size_t n) {
    dsr_pod p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.name = S(name);
    p.ns = S("kube-system");
    p.labels = labels;
    p.labels_len = n;
    p.has_controller = true;
    p.controller_uid = S(FLUENTD_UID);
    p.controller_kind = S("DaemonSet");
    p.controller_name = S("fluentd-elasticsearch");
    p.node_name = S(node);
    p.phase = S("Pending");
    p.creation_timestamp = NOW;
    return p;
}

/* Labels the engine gave out, copied into `text` (strings the engine gives
 * out are copied before they go back into a call that changes it). */
static void copy_labels(dsr_label *labels, size_t n, char (*text)[2][64]) {
    size_t i;
    for (i = 0; i < n; i++) {
        size_t k = labels[i].key.len < 63 ? labels[i].key.len : 63;
        size_t v = labels[i].value.len < 63 ? labels[i].value.len : 63;
        memcpy(text[i][0], labels[i].key.ptr, k);
        text[i][0][k] = 0;
        memcpy(text[i][1], labels[i].value.ptr, v);
        text[i][1][v] = 0;
        labels[i].key.ptr = text[i][0];
        labels[i].key.len = k;
        labels[i].value.ptr = text[i][1];
        labels[i].value.len = v;
    }
}

static bool str_is(dsr_str s, const char *want) {
    return s.len == strlen(want) && (s.len == 0 || memcmp(s.ptr, want, s.len) == 0);
}

static void test_pods(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    static const char bad[] = {'p', (char)0xC3, 0};
    dsr_label app[] = {L("name", "fluentd-elasticsearch")};
    dsr_pod p = daemon_pod("fluentd-x7k2p", "edge-1", app, 1);
    uint32_t id = 77, other, found;
    size_t n;

    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_pod(NULL, &p, &id));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_pod(e, NULL, &id));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_pod(e, &p, NULL));
    CHECK(id == 77 && pod_count(e) == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &p, &id));
    EXPECT(DSR_RESULT_DUPLICATE, dsr_engine_add_pod(e, &p, &other));
    CHECK(pod_count(e) == 1);
    EXPECT(DSR_RESULT_OK, dsr_engine_find_pod(e, S("kube-system"), S("fluentd-x7k2p"), &found));
    CHECK(found == id);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_find_pod(e, S("default"), S("fluentd-x7k2p"), &found));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_pod(NULL, S("kube-system"), S("x"), &found));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_find_pod(e, S("kube-system"), S("x"), NULL));
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_find_pod(e, S(bad), S("x"), &found));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_pod_count(e, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_pod_count(NULL, &n));

    /* Bad pods change nothing. */
    {
        dsr_pod q = daemon_pod("fluentd-2", "edge-1", app, 1);
        q.phase = S(bad);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_pod(e, &q, &other));
        q = daemon_pod("fluentd-2", "edge-1", app, 1);
        q.controller_uid = S(bad);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_pod(e, &q, &other));
        q = daemon_pod("fluentd-2", "edge-1", app, 1);
        q.controller_kind = S(bad);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_pod(e, &q, &other));
        q = daemon_pod("fluentd-2", "edge-1", app, 1);
        q.controller_uid = S(bad);
        q.has_controller = false; /* then the uid is not read */
        q.name = S("fluentd-3");
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &q, &other));
        EXPECT(DSR_RESULT_OK, dsr_engine_remove_pod(e, other));
        q = daemon_pod("fluentd-2", "edge-1", NULL, 3);
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_pod(e, &q, &other));
        q = daemon_pod("fluentd-2", "", app, 1);
        q.has_required_node_affinity = true;
        q.required_node_affinity_len = 1;
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_pod(e, &q, &other));
        {
            static char longname[1100];
            memset(longname, 'a', sizeof longname - 1);
            q = daemon_pod(longname, "edge-1", app, 1);
            EXPECT(DSR_RESULT_TOO_LONG, dsr_engine_add_pod(e, &q, &other));
            q = daemon_pod("fluentd\0-2", "edge-1", app, 1);
            q.name.len = 10;
            EXPECT(DSR_RESULT_INVALID_NAME, dsr_engine_add_pod(e, &q, &other));
            q = daemon_pod("fluentd-2", "edge-1", app, 1);
            q.ns = S("kube\0system");
            q.ns.len = 12;
            EXPECT(DSR_RESULT_INVALID_NAME, dsr_engine_add_pod(e, &q, &other));
            {
                char text[256];
                size_t tlen = 0;
                EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, text, sizeof text, &tlen));
                CHECK(strstr(text, "invalid metadata.namespace") != NULL);
                /* An unnamed pod (or DaemonSet) is a name never set. */
                q = daemon_pod("", "edge-1", app, 1);
                EXPECT(DSR_RESULT_INVALID_NAME, dsr_engine_add_pod(e, &q, &other));
                EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, text, sizeof text, &tlen));
                CHECK(strstr(text, "invalid metadata.name: must be non-empty") != NULL);
                {
                    dsr_daemon_set unnamed = fluentd(NULL, 0);
                    uint32_t sid = 77;
                    unnamed.name = S("");
                    EXPECT(DSR_RESULT_INVALID_NAME, dsr_engine_add_daemon_set(e, &unnamed, &sid));
                    CHECK(sid == 77);
                }
            }
        }
        q = daemon_pod("fluentd-2", "edge-1", app, 1);
        q.has_ready = true;
        q.ready.status = S(bad);
        EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_pod(e, &q, &other));
        {
            dsr_capacities caps;
            dsr_label *many;
            size_t k;
            dsr_engine_capacities(&caps);
            many = calloc(caps.call_labels + 1, sizeof *many);
            for (k = 0; k <= caps.call_labels; k++) many[k] = L("k", "v");
            q = daemon_pod("fluentd-2", "edge-1", many, caps.call_labels + 1);
            EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_add_pod(e, &q, &other));
            free(many);
        }
        CHECK(pod_count(e) == 1);
    }
    /* An unscheduled pod pinned by matchFields, as a created daemon pod is. */
    {
        dsr_str node[] = {{"edge-2", 6}};
        dsr_requirement pin[] = {{{"metadata.name", 13}, {"In", 2}, node, 1}};
        dsr_node_selector_term term[] = {{NULL, 0, pin, 1}};
        dsr_pod q = daemon_pod("fluentd-pinned", "", app, 1);
        q.has_required_node_affinity = true;
        q.required_node_affinity = term;
        q.required_node_affinity_len = 1;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &q, &other));
        CHECK(pod_count(e) == 2);
        /* Update: ready now, and scheduled. */
        q.node_name = S("edge-2");
        q.phase = S("Running");
        q.has_ready = true;
        q.ready.status = S("True");
        q.ready.has_last_transition_time = true;
        q.ready.last_transition_time = NOW;
        EXPECT(DSR_RESULT_OK, dsr_engine_update_pod(e, other, &q));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_update_pod(e, other, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_update_pod(NULL, other, &q));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_update_pod(e, 999, &q));
        /* Renaming onto another pod's name is a duplicate. */
        q.name = S("fluentd-x7k2p");
        EXPECT(DSR_RESULT_DUPLICATE, dsr_engine_update_pod(e, other, &q));
        EXPECT(DSR_RESULT_OK, dsr_engine_find_pod(e, S("kube-system"), S("fluentd-pinned"), &found));
        CHECK(found == other);
    }
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_set_pod_controller(e, id, 5));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_set_pod_controller(e, 999, DSR_NONE));
    EXPECT(DSR_RESULT_OK, dsr_engine_set_pod_controller(e, id, DSR_NONE));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_set_pod_controller(NULL, id, DSR_NONE));
    EXPECT(DSR_RESULT_OK, dsr_engine_remove_pod(e, id));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_remove_pod(e, id));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_remove_pod(NULL, id));
    CHECK(pod_count(e) == 1);

    /* The pod table fills up like the others, and clear empties it. */
    {
        dsr_capacities caps;
        char name[32];
        size_t i, added = 1;
        dsr_result r = DSR_RESULT_OK;
        dsr_engine_capacities(&caps);
        for (i = 0; i < caps.pods + 1; i++) {
            dsr_pod q;
            snprintf(name, sizeof name, "pod-%u", (unsigned)i);
            q = daemon_pod(name, "edge-1", app, 1);
            r = dsr_engine_add_pod(e, &q, &other);
            if (r != DSR_RESULT_OK) break;
            added++;
        }
        EXPECT(DSR_RESULT_FULL_PODS, r);
        CHECK(added == caps.pods && pod_count(e) == caps.pods);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));
    CHECK(pod_count(e) == 0);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_find_pod(e, S("kube-system"), S("fluentd-x7k2p"), &found));
    free(mem);
}

/* The update-strategy and validation fields of dsr_daemon_set, as inputs. */
static void test_daemon_set_sync_fields(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    static const char bad[] = {'x', (char)0xC3, 0};
    dsr_daemon_set d = fluentd_sync();
    uint32_t set = 77;

    d.update_strategy.max_surge.kind = 3;
    EXPECT(DSR_RESULT_UNKNOWN_ENUM, dsr_engine_add_daemon_set(e, &d, &set));
    d.update_strategy.max_surge.kind = DSR_INT_OR_STRING_STRING;
    d.update_strategy.max_surge.string_value = S(bad);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_daemon_set(e, &d, &set));
    d = fluentd_sync();
    d.revision_hash = S(bad);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_daemon_set(e, &d, &set));
    d = fluentd_sync();
    d.template_generation = S(bad);
    EXPECT(DSR_RESULT_INVALID_UTF8, dsr_engine_add_daemon_set(e, &d, &set));
    d.has_template_generation = false; /* not read then */
    d.containers_len = 2;
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_add_daemon_set(e, &d, &set));
    {
        dsr_capacities caps;
        dsr_container *many;
        dsr_engine_capacities(&caps);
        CHECK(caps.call_containers > 0 && caps.plan > 0 && caps.snapshot_max_size > 0);
        many = calloc(caps.call_containers + 1, sizeof *many);
        d.containers = many;
        d.containers_len = caps.call_containers + 1;
        EXPECT(DSR_RESULT_CALL_LIMIT, dsr_engine_add_daemon_set(e, &d, &set));
        free(many);
    }
    CHECK(set == 77 && set_count(e) == 0);
    d = fluentd_sync();
    d.update_strategy.strategy_type = S("RollingUpdate");
    d.update_strategy.has_rolling_update = true;
    d.update_strategy.max_unavailable.kind = DSR_INT_OR_STRING_INT;
    d.update_strategy.max_unavailable.int_value = 0;
    d.update_strategy.max_surge.kind = DSR_INT_OR_STRING_STRING;
    d.update_strategy.max_surge.string_value = S("25%");
    d.min_ready_seconds = 10;
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
    free(mem);
}

/* A whole round on a small cluster: plan, create, observe, quiet; then a
 * taint evicts a pod, an orphan is adopted, a DaemonSet is deleted. */
static void test_sync_round(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_daemon_set d = fluentd_sync();
    dsr_taint cp[] = {T("node-role.kubernetes.io/control-plane", "", "NoSchedule")};
    dsr_taint evict[] = {T("maintenance", "now", "NoExecute")};
    dsr_node n1 = N("edge-1", NULL, 0, NULL, 0), n2 = N("edge-2", NULL, 0, NULL, 0);
    dsr_node n3 = N("cp-1", NULL, 0, cp, 1);
    uint32_t set, id1, id2, id3, pods[4], pod_id = 77;
    dsr_plan_info info, untouched;
    dsr_plan_create c;
    dsr_plan_delete del;
    dsr_label labels[8];
    char label_text[8][2][64];
    size_t nlabels = 0, i, len;
    char buf[256];

    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n1, &id1));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n2, &id2));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n3, &id3));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));

    /* Before any sync the plan is empty. */
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(e, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_EMPTY && info.set_id == DSR_NONE && info.creates_len == 0);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_create(e, PLAN(e), 0, &c));

    /* Bad calls. */
    memset(&untouched, 0xAB, sizeof untouched);
    info = untouched;
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_sync(NULL, set, NOW, PLAN(NULL), &info));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_sync(e, set, NOW, PLAN(e), NULL));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_sync(e, 99, NOW, PLAN(e), &info));
    CHECK(memcmp(&info, &untouched, sizeof info) == 0);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_info(NULL, PLAN(NULL), &info));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_info(e, PLAN(e), NULL));

    /* 1. Plan: a pod on each edge node, none on the tainted control plane. */
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_SYNCED && info.set_id == set);
    CHECK(info.creates_len == 2 && info.deletes_len == 0);
    CHECK(info.adoptions_len == 0 && info.releases_len == 0);
    CHECK(info.has_status);
    CHECK(info.status.desired_number_scheduled == 2 && info.status.current_number_scheduled == 2);
    CHECK(info.status.number_ready == 0 && info.status.number_available == 0);
    CHECK(info.status.number_unavailable == 2 && info.status.number_misscheduled == 0);
    CHECK(info.status.updated_number_scheduled == 2 && info.status.observed_generation == 1);
    CHECK(info.has_rollout && info.rollout.desired == 2 && info.rollout.max_unavailable == 1);
    CHECK(info.rollout.halted == DSR_ROLLOUT_HALT_NONE);
    CHECK(str_is(info.revision_hash, "6d8f7c9b5"));
    CHECK(info.has_template_generation && info.template_generation == 1);
    {
        dsr_plan_info again;
        EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(e, PLAN(e), &again));
        CHECK(again.set_id == info.set_id && again.outcome == info.outcome);
        CHECK(again.creates_len == info.creates_len && again.deletes_len == info.deletes_len);
        CHECK(again.status.desired_number_scheduled == info.status.desired_number_scheduled &&
              again.status.observed_generation == info.status.observed_generation);
        CHECK(again.revision_hash.ptr == info.revision_hash.ptr);
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_create(e, PLAN(e), 0, &c));
    CHECK(c.node_id == id1 && str_is(c.node_name, "edge-1") && c.reason == DSR_CREATE_REASON_MISSING);
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_create(e, PLAN(e), 1, &c));
    CHECK(c.node_id == id2 && str_is(c.node_name, "edge-2"));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_create(e, PLAN(e), 2, &c));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_create(e, PLAN(e), 0, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_create(NULL, PLAN(NULL), 0, &c));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_delete(e, PLAN(e), 0, &del));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_adoption(e, PLAN(e), 0, &pod_id));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_release(e, PLAN(e), 0, &pod_id));
    CHECK(pod_id == 77);
    EXPECT(DSR_RESULT_OK, dsr_engine_describe_create(e, PLAN(e), 0, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "no daemon pod is running on the node") == 0 && len == strlen(buf));
    {
        char small[4] = {'Z', 'Z', 'Z', 'Z'};
        size_t need = 0;
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_describe_create(e, PLAN(e), 0, small, sizeof small, &need));
        CHECK(need == len && small[0] == 'Z');
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_describe_create(e, PLAN(e), 0, NULL, 0, &need));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_describe_create(e, PLAN(e), 9, buf, sizeof buf, &need));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_describe_create(e, PLAN(e), 0, buf, sizeof buf, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_describe_create(e, PLAN(e), 0, NULL, 64, &need));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_describe_delete(e, PLAN(e), 0, buf, sizeof buf, &need));
    }
    /* The expectations hold the two creates. */
    {
        dsr_expectations x;
        EXPECT(DSR_RESULT_OK, dsr_engine_expectations(e, set, &x));
        CHECK(x.creates == 2 && x.deletes == 0 && x.set_at == NOW);
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_expectations(e, 99, &x));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_expectations(e, set, NULL));
    }

    /* 2. The labels new pods carry. */
    {
        size_t need = 0;
        dsr_label one[1];
        memset(one, 0xAB, sizeof one);
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_new_pod_labels(e, set, NULL, 0, &need));
        CHECK(need == 3);
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_new_pod_labels(e, set, one, 1, &need));
        CHECK(((unsigned char *)one)[0] == 0xAB);
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_new_pod_labels(e, set, NULL, 8, &need));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_new_pod_labels(e, set, labels, 8, NULL));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_new_pod_labels(e, 99, labels, 8, &need));
        EXPECT(DSR_RESULT_OK, dsr_engine_new_pod_labels(e, set, labels, 8, &nlabels));
        CHECK(nlabels == 3);
        CHECK(str_is(labels[0].key, "name") && str_is(labels[0].value, "fluentd-elasticsearch"));
        CHECK(str_is(labels[1].key, "pod-template-generation") && str_is(labels[1].value, "1"));
        CHECK(str_is(labels[2].key, "controller-revision-hash") && str_is(labels[2].value, "6d8f7c9b5"));
        copy_labels(labels, nlabels, label_text);
    }

    /* 3. The caller creates the pods; until it reports them, syncs only
     *    compute status. */
    {
        dsr_pod p1 = daemon_pod("fluentd-aaaaa", "edge-1", labels, nlabels);
        dsr_pod p2 = daemon_pod("fluentd-bbbbb", "edge-2", labels, nlabels);
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &p1, &pods[0]));
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &p2, &pods[1]));
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 1, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_STATUS_ONLY && info.creates_len == 0);
    CHECK(info.has_requeue_after && info.requeue_after > 0 && info.requeue_after <= 300);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_observe_creates(e, 99, 2));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_observe_creates(NULL, set, 2));
    EXPECT(DSR_RESULT_OK, dsr_engine_observe_creates(e, set, 2));

    /* 4. Quiet: nothing to do, both pods counted (not ready yet). */
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 5, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_SYNCED);
    CHECK(info.creates_len == 0 && info.deletes_len == 0 && info.adoptions_len == 0 && info.releases_len == 0);
    CHECK(info.status.desired_number_scheduled == 2 && info.status.current_number_scheduled == 2);
    CHECK(info.status.updated_number_scheduled == 2 && info.status.number_ready == 0);

    /* They turn ready. */
    for (i = 0; i < 2; i++) {
        dsr_pod p = daemon_pod(i == 0 ? "fluentd-aaaaa" : "fluentd-bbbbb", i == 0 ? "edge-1" : "edge-2",
                               labels, nlabels);
        p.phase = S("Running");
        p.has_ready = true;
        p.ready.status = S("True");
        p.ready.has_last_transition_time = true;
        p.ready.last_transition_time = NOW + 10;
        EXPECT(DSR_RESULT_OK, dsr_engine_update_pod(e, pods[i], &p));
    }
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 20, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_SYNCED && info.creates_len == 0 && info.deletes_len == 0);
    CHECK(info.status.number_ready == 2 && info.status.number_available == 2 && info.status.number_unavailable == 0);
    CHECK(!info.has_requeue_after);

    /* 5. A NoExecute taint on edge-2: its pod must go. */
    n2.taints = evict;
    n2.taints_len = 1;
    EXPECT(DSR_RESULT_OK, dsr_engine_update_node(e, id2, &n2));
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 30, PLAN(e), &info));
    CHECK(info.creates_len == 0 && info.deletes_len == 1);
    CHECK(info.status.desired_number_scheduled == 1 && info.status.number_misscheduled == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_delete(e, PLAN(e), 0, &del));
    CHECK(del.pod_id == pods[1] && str_is(del.pod_name, "fluentd-bbbbb") && str_is(del.node_name, "edge-2"));
    CHECK(del.reason == DSR_DELETE_REASON_NODE_INELIGIBLE && del.ineligible == DSR_REASON_KIND_UNTOLERATED_TAINT);
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_delete(e, PLAN(e), 1, &del));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_delete(e, PLAN(e), 0, NULL));
    EXPECT(DSR_RESULT_OK, dsr_engine_describe_delete(e, PLAN(e), 0, buf, sizeof buf, &len));
    CHECK(strncmp(buf, "must not run on edge-2: node has taint maintenance=now:NoExecute", 63) == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_remove_pod(e, pods[1]));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_observe_deletes(e, 99, 1));
    EXPECT(DSR_RESULT_OK, dsr_engine_observe_deletes(e, set, 1));
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 35, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_SYNCED && info.creates_len == 0 && info.deletes_len == 0);

    /* 6. An orphan matching the selector is adopted; a pod the DaemonSet
     *    controls whose labels no longer match is released. */
    {
        dsr_label other[] = {L("name", "something-else")};
        dsr_pod orphan = daemon_pod("fluentd-orphan", "cp-1", labels, nlabels);
        dsr_pod stray = daemon_pod("fluentd-stray", "edge-1", other, 1);
        /* Upstream's FilterPodsByOwner (v1.35) matches the controller's kind and
         * name as well as its uid: a ReplicaSet's pod that carries fluentd's uid
         * is not fluentd's, so it is not released like the stray. */
        dsr_pod foreign = daemon_pod("web-7d9f-x2x4q", "edge-1", other, 1);
        uint32_t orphan_id, stray_id, foreign_id, got;
        foreign.controller_kind = S("ReplicaSet");
        foreign.controller_name = S("web-7d9f");
        orphan.has_controller = false;
        orphan.phase = S("Running");
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &orphan, &orphan_id));
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &stray, &stray_id));
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &foreign, &foreign_id));
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 40, PLAN(e), &info));
        CHECK(info.adoptions_len == 1 && info.releases_len == 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_plan_adoption(e, PLAN(e), 0, &got));
        CHECK(got == orphan_id);
        EXPECT(DSR_RESULT_OK, dsr_engine_plan_release(e, PLAN(e), 0, &got));
        CHECK(got == stray_id);
        EXPECT(DSR_RESULT_OK, dsr_engine_remove_pod(e, foreign_id));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_adoption(e, PLAN(e), 0, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_release(NULL, PLAN(NULL), 0, &got));
        /* The control plane tolerates an existing pod (NoSchedule): it counts
         * as misscheduled, not deleted. */
        CHECK(info.status.number_misscheduled == 1 && info.deletes_len == 0);
        EXPECT(DSR_RESULT_OK, dsr_engine_set_pod_controller(e, orphan_id, set));
        EXPECT(DSR_RESULT_OK, dsr_engine_set_pod_controller(e, stray_id, DSR_NONE));
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 45, PLAN(e), &info));
        CHECK(info.adoptions_len == 0 && info.releases_len == 0);
        pods[2] = orphan_id;
    }

    /* 7. Delete the DaemonSet, orphaning its pods. */
    {
        size_t n = 99;
        uint32_t small[1] = {12345};
        EXPECT(DSR_RESULT_UNKNOWN_ENUM, dsr_engine_delete_daemon_set(e, set, 3, pods, 4, &n));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_delete_daemon_set(e, set, DSR_PROPAGATION_ORPHAN, pods, 4, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_delete_daemon_set(e, set, DSR_PROPAGATION_ORPHAN, NULL, 4, &n));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_delete_daemon_set(NULL, set, DSR_PROPAGATION_ORPHAN, pods, 4, &n));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_delete_daemon_set(e, 99, DSR_PROPAGATION_ORPHAN, pods, 4, &n));
        CHECK(n == 99);
        /* Room for every pod of the engine (3) is needed. */
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_delete_daemon_set(e, set, DSR_PROPAGATION_ORPHAN, small, 1, &n));
        CHECK(n == 3 && small[0] == 12345 && set_count(e) == 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_delete_daemon_set(e, set, DSR_PROPAGATION_ORPHAN, pods, 4, &n));
        CHECK(n == 2 && set_count(e) == 0 && pod_count(e) == 3);
        CHECK((pods[0] == pods[2] || pods[1] == pods[2]) || n == 2);
        /* Plans made before a DaemonSet went are stale. */
        EXPECT(DSR_RESULT_STALE_PLAN, dsr_engine_plan_info(e, PLAN(e), &info));
        /* A new DaemonSet adopts the orphans. */
        EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 50, PLAN(e), &info));
        CHECK(info.adoptions_len == 2);
        /* Background deletion hands the pods to the caller and keeps them. */
        for (i = 0; i < info.adoptions_len; i++) {
            uint32_t p;
            EXPECT(DSR_RESULT_OK, dsr_engine_plan_adoption(e, PLAN(e), i, &p));
            EXPECT(DSR_RESULT_OK, dsr_engine_set_pod_controller(e, p, set));
        }
        EXPECT(DSR_RESULT_OK, dsr_engine_delete_daemon_set(e, set, DSR_PROPAGATION_BACKGROUND, pods, 4, &n));
        CHECK(n == 2 && pod_count(e) == 3);
    }
    /* A DaemonSet being deleted is left alone. */
    d.deleting = true;
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 60, PLAN(e), &info));
    CHECK(info.outcome == DSR_SYNC_OUTCOME_DELETING && !info.has_status && info.creates_len == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_remove_daemon_set(e, set));
    /* An empty selector selects everything: nothing is done. */
    {
        dsr_label_selector everything = {NULL, 0, NULL, 0};
        d = fluentd_sync();
        d.selector = &everything;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 70, PLAN(e), &info));
        CHECK(info.outcome == DSR_SYNC_OUTCOME_SELECTS_EVERYTHING && info.creates_len == 0);
    }
    free(mem);
}

/* ---- snapshots and validation ----------------------------------------- */

/* CRC-32 (ISO-HDLC, as zlib), to forge snapshots whose checksum holds. */
static uint32_t crc32_of(const unsigned char *a, size_t na, const unsigned char *b, size_t nb) {
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    int k;
    for (i = 0; i < na + nb; i++) {
        crc ^= i < na ? a[i] : b[i - na];
        for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Snapshot format version 4: a 56-byte header (magic, version, reserved, ten
 * capacities, payload length) whose last 4 bytes are the CRC of the 52 before
 * them and of the payload. */
#define SNAP_HEADER 56
#define SNAP_CRC_AT 52

/* Rewrites the checksum of a snapshot of `n` bytes. */
static void fix_crc(unsigned char *snap, size_t n) {
    uint32_t crc = crc32_of(snap, SNAP_CRC_AT, snap + SNAP_HEADER, n - SNAP_HEADER);
    snap[SNAP_CRC_AT] = (unsigned char)crc;
    snap[SNAP_CRC_AT + 1] = (unsigned char)(crc >> 8);
    snap[SNAP_CRC_AT + 2] = (unsigned char)(crc >> 16);
    snap[SNAP_CRC_AT + 3] = (unsigned char)(crc >> 24);
}

static bool is_snapshot_code(dsr_result r) { return r >= 400 && r < 500; }

/* An engine with state in every table: nodes, a DaemonSet, pods, pending
 * expectations and a failed pod's backoff. */
static dsr_engine *gateway(void **mem, uint32_t *set_out) {
    dsr_engine *e = new_engine(mem);
    dsr_daemon_set d = fluentd_sync();
    dsr_taint cp[] = {T("node-role.kubernetes.io/control-plane", "", "NoSchedule")};
    dsr_label linux_os[] = {L("kubernetes.io/os", "linux")};
    dsr_node n1 = N("edge-rpi4-01", linux_os, 1, NULL, 0), n2 = N("edge-rpi4-02", linux_os, 1, NULL, 0);
    dsr_node n3 = N("cp-1", NULL, 0, cp, 1), n4 = N("edge-rpi4-03", linux_os, 1, NULL, 0);
    dsr_label labels[8];
    static char label_text[8][2][64];
    size_t n;
    uint32_t id, set;
    dsr_plan_info info;

    dsr_engine_add_node(e, &n1, &id);
    dsr_engine_add_node(e, &n2, &id);
    dsr_engine_add_node(e, &n3, &id);
    dsr_engine_add_node(e, &n4, &id);
    dsr_engine_add_daemon_set(e, &d, &set);
    dsr_engine_new_pod_labels(e, set, labels, 8, &n);
    copy_labels(labels, n, label_text);
    {
        dsr_pod ok = daemon_pod("fluentd-ok", "edge-rpi4-01", labels, n);
        dsr_pod dead = daemon_pod("fluentd-failed", "edge-rpi4-02", labels, n);
        ok.phase = S("Running");
        ok.has_ready = true;
        ok.ready.status = S("True");
        dead.phase = S("Failed");
        dsr_engine_add_pod(e, &ok, &id);
        dsr_engine_add_pod(e, &dead, &id);
    }
    if (dsr_engine_sync(e, set, NOW, PLAN(e), &info) != DSR_RESULT_OK || info.deletes_len != 1 || info.creates_len != 1) {
        fprintf(stderr, "gateway: unexpected plan\n");
        exit(2);
    }
    *set_out = set;
    return e;
}

static void test_snapshots(void) {
    void *mem, *mem2;
    uint32_t set, set2;
    dsr_engine *e = gateway(&mem, &set);
    dsr_engine *other = new_engine(&mem2);
    size_t max = dsr_engine_snapshot_max_size(), n = 0, m = 0, i;
    unsigned char *snap = malloc(max), *again = malloc(max), *bad = malloc(max + 1);
    dsr_capacities caps;
    int codes[1000];
    dsr_result r;

    memset(codes, 0, sizeof codes);
    dsr_engine_capacities(&caps);
    CHECK(max > SNAP_HEADER && caps.snapshot_max_size == max);

    /* Bad calls. */
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_snapshot(NULL, snap, max, &n));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_snapshot(e, snap, max, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_snapshot(e, NULL, max, &n));
    CHECK(n == 0);
    EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_snapshot(e, NULL, 0, &n));
    CHECK(n == max);
    n = 0;
    EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_snapshot(e, snap, 100, &n));
    CHECK(n == max);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_restore(NULL, snap, 10));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_restore(e, NULL, 10));

    /* The snapshot, and one taken again, are the same bytes. */
    EXPECT(DSR_RESULT_OK, dsr_engine_snapshot(e, snap, max, &n));
    CHECK(n > SNAP_HEADER && n <= max && memcmp(snap, "DSRS", 4) == 0 && snap[4] == 4 && snap[5] == 0);
    EXPECT(DSR_RESULT_OK, dsr_engine_snapshot(e, again, n, &m));
    CHECK(m == n && memcmp(snap, again, n) == 0);
    /* A buffer of exactly the size suffices; one byte less does not. */
    EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_snapshot(e, again, n - 1, &m));

    /* Corrupted at every byte: refused with a snapshot code, engine unchanged
     * (its next snapshot is still the same bytes). */
    for (i = 0; i < n; i++) {
        memcpy(bad, snap, n);
        bad[i] ^= 0xA5;
        r = dsr_engine_restore(e, bad, n);
        if (!is_snapshot_code(r)) {
            failed++;
            fprintf(stderr, "byte %u: restore returned %u (%s)\n", (unsigned)i, (unsigned)r, dsr_result_str(r));
            break;
        }
        codes[r - 400]++;
        m = 0;
        if (dsr_engine_snapshot(e, again, n, &m) != DSR_RESULT_OK || m != n || memcmp(again, snap, n) != 0) {
            failed++;
            fprintf(stderr, "byte %u: the refused restore changed the engine\n", (unsigned)i);
            break;
        }
    }
    CHECK(i == n);
    passed++;
    CHECK(codes[DSR_RESULT_SNAPSHOT_BAD_MAGIC - 400] == 4);
    CHECK(codes[DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION - 400] >= 2);
    CHECK(codes[DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH - 400] >= 40);
    CHECK((size_t)codes[DSR_RESULT_SNAPSHOT_CHECKSUM - 400] >= n - SNAP_HEADER);
    CHECK(codes[DSR_RESULT_SNAPSHOT_TRUNCATED - 400] + codes[DSR_RESULT_SNAPSHOT_TRAILING_BYTES - 400] >= 1);
    /* Truncated at every length, and one byte too many. */
    for (i = 0; i < n; i++) {
        r = dsr_engine_restore(e, snap, i);
        if (r != DSR_RESULT_SNAPSHOT_TRUNCATED && r != DSR_RESULT_SNAPSHOT_BAD_MAGIC) {
            failed++;
            fprintf(stderr, "length %u: restore returned %u\n", (unsigned)i, (unsigned)r);
            break;
        }
    }
    CHECK(i == n);
    memcpy(bad, snap, n);
    bad[n] = 0;
    EXPECT(DSR_RESULT_SNAPSHOT_TRAILING_BYTES, dsr_engine_restore(e, bad, n + 1));
    /* Forged with a valid checksum: too many strings, and a payload that
     * does not decode. */
    memcpy(bad, snap, n);
    bad[SNAP_HEADER] = (unsigned char)(caps.strings + 1);
    bad[SNAP_HEADER + 1] = (unsigned char)((caps.strings + 1) >> 8);
    bad[SNAP_HEADER + 2] = (unsigned char)((caps.strings + 1) >> 16);
    bad[SNAP_HEADER + 3] = (unsigned char)((caps.strings + 1) >> 24);
    fix_crc(bad, n);
    EXPECT(DSR_RESULT_SNAPSHOT_OVER_CAPACITY, dsr_engine_restore(e, bad, n));
    memcpy(bad, snap, n);
    bad[n - 1] = 0xFF; /* the backoff list's last varint now runs off the end */
    fix_crc(bad, n);
    r = dsr_engine_restore(e, bad, n);
    CHECK(r == DSR_RESULT_SNAPSHOT_CORRUPT);
    EXPECT(DSR_RESULT_OK, dsr_engine_snapshot(e, again, n, &m));
    CHECK(m == n && memcmp(again, snap, n) == 0);
    {
        char text[256];
        size_t len;
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, text, sizeof text, &len));
        CHECK(strstr(text, "snapshot") != NULL);
    }

    /* Intact: restores into another engine, which then snapshots to the same
     * bytes and plans the same. */
    {
        dsr_node stray = N("worker-1", NULL, 0, NULL, 0);
        uint32_t id;
        dsr_plan_info a, b;
        dsr_plan_create ca, cb;
        dsr_plan_delete da, db;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_node(other, &stray, &id));
        EXPECT(DSR_RESULT_OK, dsr_engine_restore(other, snap, n));
        CHECK(node_count(other) == 4 && set_count(other) == 1 && pod_count(other) == 2);
        EXPECT(DSR_RESULT_OK, dsr_engine_snapshot(other, again, max, &m));
        CHECK(m == n && memcmp(again, snap, n) == 0);
        EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(other, PLAN(other), &a));
        CHECK(a.outcome == DSR_SYNC_OUTCOME_EMPTY);
        EXPECT(DSR_RESULT_OK, dsr_engine_find_daemon_set(other, S("kube-system"), S("fluentd-elasticsearch"), &set2));
        CHECK(set2 == set);
        /* Both still wait for the first sync's create and delete... */
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 30, PLAN(e), &a));
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(other, set2, NOW + 30, PLAN(other), &b));
        CHECK(a.outcome == DSR_SYNC_OUTCOME_STATUS_ONLY && b.outcome == a.outcome);
        CHECK(a.requeue_after == b.requeue_after);
        /* ...and, once they are observed, plan the same: the failed pod's node
         * is in backoff in both. */
        dsr_engine_observe_creates(e, set, 1);
        dsr_engine_observe_deletes(e, set, 1);
        dsr_engine_observe_creates(other, set2, 1);
        dsr_engine_observe_deletes(other, set2, 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set, NOW + 40, PLAN(e), &a));
        EXPECT(DSR_RESULT_OK, dsr_engine_sync(other, set2, NOW + 40, PLAN(other), &b));
        CHECK(a.outcome == b.outcome && a.creates_len == b.creates_len && a.deletes_len == b.deletes_len);
        CHECK(a.has_requeue_after == b.has_requeue_after && a.requeue_after == b.requeue_after);
        CHECK(a.status.desired_number_scheduled == b.status.desired_number_scheduled);
        CHECK(a.status.current_number_scheduled == b.status.current_number_scheduled);
        for (i = 0; i < a.creates_len; i++) {
            dsr_engine_plan_create(e, PLAN(e), i, &ca);
            dsr_engine_plan_create(other, PLAN(other), i, &cb);
            CHECK(ca.node_id == cb.node_id && ca.reason == cb.reason);
            CHECK(ca.node_name.len == cb.node_name.len && memcmp(ca.node_name.ptr, cb.node_name.ptr, ca.node_name.len) == 0);
        }
        for (i = 0; i < a.deletes_len; i++) {
            dsr_engine_plan_delete(e, PLAN(e), i, &da);
            dsr_engine_plan_delete(other, PLAN(other), i, &db);
            CHECK(da.pod_id == db.pod_id && da.reason == db.reason);
        }
    }
    /* The snapshot of an empty engine restores into a full one. */
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(other));
    EXPECT(DSR_RESULT_OK, dsr_engine_snapshot(other, again, max, &m));
    CHECK(m < n);
    memcpy(bad, again, m);
    {
        void *mem3;
        dsr_engine *third = new_engine(&mem3);
        EXPECT(DSR_RESULT_OK, dsr_engine_restore(third, bad, m));
        CHECK(node_count(third) == 0 && set_count(third) == 0 && pod_count(third) == 0);
        free(mem3);
    }
    free(snap);
    free(again);
    free(bad);
    free(mem);
    free(mem2);
}

/* Every failure of a call that takes a dsr_engine * is that engine's last
 * error, a NULL argument too: before each call below, another failure
 * (an unknown node) is recorded, and the call must replace it. */
static void test_every_failure_is_recorded(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_daemon_set d = fluentd_sync();
    dsr_label app[] = {L("name", "fluentd-elasticsearch")};
    dsr_pod p = daemon_pod("fluentd-x7k2p", "edge-1", app, 1);
    dsr_node n = N("edge-1", NULL, 0, NULL, 0);
    dsr_toleration tol = TOL("gpu", "Exists", "", "");
    dsr_taint taint = T("gpu", "", "NoSchedule");
    uint32_t set, node, pod, pods[4];
    size_t len, k;
    bool b;
    char buf[128];
    dsr_result got[16];
    size_t calls = 0;

    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n, &node));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &p, &pod));
#define RECORDED(call)                                                               \
    do {                                                                             \
        CHECK(dsr_engine_remove_node(e, 999) == DSR_RESULT_NOT_FOUND);               \
        got[calls++] = (call);                                                       \
        CHECK(dsr_engine_last_error(e, buf, sizeof buf, &len) == DSR_RESULT_OK);     \
        if (strcmp(buf, dsr_result_str((uint32_t)got[calls - 1])) != 0) {             \
            failed++;                                                                \
            fprintf(stderr, "%s:%d: %s: last error \"%s\"\n", __FILE__, __LINE__, #call, buf); \
        } else {                                                                     \
            passed++;                                                                \
        }                                                                            \
    } while (0)
    RECORDED(dsr_engine_add_node(e, NULL, &node));
    RECORDED(dsr_engine_add_node(e, &n, NULL));
    RECORDED(dsr_engine_update_node(e, node, NULL));
    RECORDED(dsr_engine_add_daemon_set(e, NULL, &set));
    RECORDED(dsr_engine_update_daemon_set(e, set, NULL));
    RECORDED(dsr_engine_add_pod(e, NULL, &pod));
    RECORDED(dsr_engine_update_pod(e, pod, NULL));
    RECORDED(dsr_engine_sync(e, set, NOW, PLAN(e), NULL));
    RECORDED(dsr_engine_validate_daemon_set(e, NULL));
    RECORDED(dsr_engine_selector_string_matches(e, S("name"), app, 1, NULL));
    RECORDED(dsr_engine_find_untolerated_taint(e, &taint, 1, &tol, 1, false, NULL, 0, &b, NULL));
    RECORDED(dsr_engine_restore(e, NULL, 5));
    RECORDED(dsr_engine_delete_daemon_set(e, set, DSR_PROPAGATION_ORPHAN, pods, 4, NULL));
    RECORDED(dsr_engine_delete_daemon_set(e, set, 7, pods, 4, &len));
#undef RECORDED
    /* Calls taking a const dsr_engine * record nothing: the last error stays
     * the one before. */
    {
        char before[sizeof buf];
        CHECK(dsr_engine_remove_node(e, 999) == DSR_RESULT_NOT_FOUND);
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, before, sizeof before, &len));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_selector_matches(e, set, app, 1, NULL));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_tolerates(e, &tol, NULL, &b));
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strcmp(buf, before) == 0 && strstr(before, "no object") != NULL);
    }
    for (k = 0; k + 1 < calls; k++) CHECK(got[k] == DSR_RESULT_NULL_POINTER);
    CHECK(got[calls - 1] == DSR_RESULT_UNKNOWN_ENUM);
    free(mem);
}

/* dsr_config.h (tests/c/run.sh copies it out of the libdsr.a it links)
 * describes this library: sizes, capacities, the runtime check. */
static void test_config_header(void) {
    dsr_capacities caps;
    static _Alignas(DSR_ENGINE_ALIGN) unsigned char mem[DSR_ENGINE_SIZE];
    static _Alignas(DSR_PLAN_ALIGN) unsigned char plan_mem[DSR_PLAN_SIZE];
    dsr_engine *e = NULL;
    dsr_plan *plan = NULL;
    _Static_assert(DSR_ENGINE_SIZE > 0 && DSR_PLAN_SIZE > 0, "sizes are positive");
#if DSR_TAINTS > DSR_RULES || DSR_BACKOFF > DSR_PODS
#error "the default build's taints and backoff are DSR_RULES and DSR_PODS"
#endif
    EXPECT(DSR_RESULT_OK, DSR_CONFIG_CHECK());
    EXPECT(DSR_RESULT_CONFIG_MISMATCH, dsr_config_check(DSR_CONFIG_ID + 1));
    EXPECT(DSR_RESULT_CONFIG_MISMATCH, dsr_config_check(0));
    CHECK(dsr_engine_size() == DSR_ENGINE_SIZE && dsr_engine_align() == DSR_ENGINE_ALIGN);
    CHECK(dsr_plan_size() == DSR_PLAN_SIZE && dsr_plan_align() == DSR_PLAN_ALIGN);
    CHECK(dsr_engine_snapshot_max_size() == DSR_SNAPSHOT_MAX_SIZE);
    EXPECT(DSR_RESULT_OK, dsr_engine_capacities(&caps));
    CHECK(caps.nodes == DSR_NODES && caps.pods == DSR_PODS && caps.strings == DSR_STRINGS);
    CHECK(caps.taints == DSR_TAINTS && caps.terms == DSR_TERMS && caps.backoff == DSR_BACKOFF);
    CHECK(caps.taints == caps.rules && caps.terms == caps.rules && caps.backoff == caps.pods);
    CHECK(caps.plan == DSR_PLAN && caps.string_max == DSR_STRING_MAX);
    CHECK(caps.plan_size == DSR_PLAN_SIZE && caps.plan_align == DSR_PLAN_ALIGN);
    /* Static memory of exactly those sizes is enough. */
    EXPECT(DSR_RESULT_OK, dsr_engine_init(mem, sizeof mem, &e));
    EXPECT(DSR_RESULT_OK, dsr_plan_init(plan_mem, sizeof plan_mem, &plan));
    EXPECT(DSR_RESULT_BAD_LENGTH, dsr_plan_init(plan_mem, sizeof plan_mem - 1, &plan));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_plan_init(NULL, sizeof plan_mem, &plan));
}

/* The names of the C enums are the core's, as the CLI writes them. */
static void test_enum_names(void) {
    CHECK(strcmp(dsr_sync_outcome_str(DSR_SYNC_OUTCOME_STATUS_ONLY), "statusOnly") == 0);
    CHECK(strcmp(dsr_create_reason_str(DSR_CREATE_REASON_REPLACE_UNAVAILABLE), "replaceUnavailable") == 0);
    CHECK(strcmp(dsr_delete_reason_str(DSR_DELETE_REASON_NODE_INELIGIBLE), "nodeIneligible") == 0);
    CHECK(strcmp(dsr_rollout_halt_str(DSR_ROLLOUT_HALT_INVALID_BUDGET), "invalidBudget") == 0);
    CHECK(strcmp(dsr_propagation_str(DSR_PROPAGATION_ORPHAN), "Orphan") == 0);
    CHECK(strcmp(dsr_reason_kind_str(DSR_REASON_KIND_UNTOLERATED_TAINT), "untoleratedTaint") == 0);
    CHECK(strcmp(dsr_hold_reason_str(DSR_HOLD_REASON_NO_POD), "noPod") == 0);
    CHECK(strcmp(dsr_sync_outcome_str(77), "unknown") == 0);
    CHECK(strcmp(dsr_hold_reason_str(UINT32_MAX), "unknown") == 0);
}

/* A node manager holds one plan per DaemonSet; a plan is read with the
 * engine that filled it, while current; pods of adoptions are named. */
static void test_plans(void) {
    void *mem, *mem2;
    dsr_engine *e = new_engine(&mem), *other = new_engine(&mem2);
    dsr_daemon_set a = fluentd_sync(), b = fluentd_sync();
    dsr_node n1 = N("edge-1", NULL, 0, NULL, 0), n2 = N("edge-2", NULL, 0, NULL, 0);
    uint32_t set_a, set_b, id;
    dsr_plan *pa = PLAN(e), *pb = NULL;
    void *pb_mem;
    size_t psize = dsr_plan_size(), palign = dsr_plan_align(), len = 0, i;
    dsr_plan_info ia, ib;
    dsr_plan_create c;
    char buf[128];

    pb_mem = aligned_alloc(palign, (psize + palign - 1) / palign * palign);
    EXPECT(DSR_RESULT_OK, dsr_plan_init(pb_mem, (psize + palign - 1) / palign * palign, &pb));
    b.name = S("node-exporter");
    b.uid = S("9a6c2f1e-3b4d-4e5f-8a7b-0c1d2e3f4a5b");
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n1, &id));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n2, &id));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &a, &set_a));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &b, &set_b));
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set_a, NOW, pa, &ia));
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(e, set_b, NOW, pb, &ib));
    /* Both plans stay readable: syncing b did not overwrite a's. */
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(e, pa, &ia));
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(e, pb, &ib));
    CHECK(ia.set_id == set_a && ib.set_id == set_b && ia.creates_len == 2 && ib.creates_len == 2);
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_create(e, pa, 1, &c));
    CHECK(str_is(c.node_name, "edge-2"));
    /* The rollout's held-back report: the nodes its in_use counts. */
    CHECK(ia.has_rollout && ia.held_back_len == (size_t)ia.rollout.in_use);
    for (i = 0; i < ia.held_back_len; i++) {
        dsr_plan_hold h;
        EXPECT(DSR_RESULT_OK, dsr_engine_plan_hold(e, pa, i, &h));
        CHECK(str_is(h.node_name, i == 0 ? "edge-1" : "edge-2"));
        CHECK(h.reason == DSR_HOLD_REASON_NEW_NOT_AVAILABLE && h.pod_id == DSR_NONE);
        EXPECT(DSR_RESULT_OK, dsr_engine_describe_hold(e, pa, i, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "its new pod is created in this sync") == 0 && len == strlen(buf));
    }
    {
        dsr_plan_hold h;
        h.pod_id = 77;
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_plan_hold(e, pa, ia.held_back_len, &h));
        CHECK(h.pod_id == 77);
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_describe_hold(e, pa, ia.held_back_len, buf, sizeof buf, &len));
    }
    /* Another engine's plan, or memory that is no plan. */
    EXPECT(DSR_RESULT_STALE_PLAN, dsr_engine_plan_info(other, pa, &ia));
    EXPECT(DSR_RESULT_STALE_PLAN, dsr_engine_plan_create(other, pa, 0, &c));
    EXPECT(DSR_RESULT_NOT_A_PLAN, dsr_engine_plan_info(e, (const dsr_plan *)mem2, &ia));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_plan_info(e, NULL, &ia));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_sync(e, set_a, NOW, NULL, &ia));
    /* Pod names by id (adoptions and releases give ids). */
    {
        dsr_label app[] = {L("name", "fluentd-elasticsearch")};
        dsr_pod p = daemon_pod("fluentd-x7k2p", "edge-1", app, 1);
        uint32_t pod;
        size_t need = 0;
        char small[4] = {'Z', 'Z', 'Z', 'Z'};
        p.has_controller = false;
        EXPECT(DSR_RESULT_OK, dsr_engine_add_pod(e, &p, &pod));
        EXPECT(DSR_RESULT_OK, dsr_engine_pod_name(e, pod, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "fluentd-x7k2p") == 0 && len == 13);
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_pod_name(e, pod, small, sizeof small, &need));
        CHECK(need == 13 && small[0] == 'Z');
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_pod_name(e, pod, NULL, 0, &need));
        EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_pod_name(e, pod, NULL, 8, &need));
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_pod_name(e, pod + 1, buf, sizeof buf, &need));
        /* Both plans went stale when the pod appeared? No: plans stay current
         * until the engine is cleared, restored or loses a DaemonSet. */
        EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(e, pb, &ib));
    }
    /* Observing more creates than pending leaves none pending. */
    {
        dsr_expectations x;
        EXPECT(DSR_RESULT_OK, dsr_engine_observe_creates(e, set_a, UINT32_MAX));
        EXPECT(DSR_RESULT_OK, dsr_engine_expectations(e, set_a, &x));
        CHECK(x.creates == 0);
    }
    /* An unknown enum is the engine's last error, not the previous one. */
    {
        uint32_t pods[4];
        size_t n = 0;
        EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_remove_node(e, 999));
        EXPECT(DSR_RESULT_UNKNOWN_ENUM, dsr_engine_delete_daemon_set(e, set_b, 9, pods, 4, &n));
        EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, buf, sizeof buf, &len));
        CHECK(strcmp(buf, "an enum value is unknown") == 0);
    }
    /* A cleared engine makes its plans stale, and so does a new engine in the
     * same memory. */
    EXPECT(DSR_RESULT_OK, dsr_engine_clear(e));
    EXPECT(DSR_RESULT_STALE_PLAN, dsr_engine_plan_info(e, pa, &ia));
    EXPECT(DSR_RESULT_STALE_PLAN, dsr_engine_describe_create(e, pb, 0, buf, sizeof buf, &len));
    /* `other` was never cleared: its plan is of its first epoch, which a new
     * engine in its memory must not share. */
    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(other, &n1, &id));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(other, &a, &set_a));
    EXPECT(DSR_RESULT_OK, dsr_engine_sync(other, set_a, NOW, pb, &ib));
    EXPECT(DSR_RESULT_OK, dsr_engine_plan_info(other, pb, &ib));
    CHECK(ib.set_id == set_a && ib.creates_len == 1);
    {
        dsr_engine *again = NULL;
        size_t align = dsr_engine_align();
        EXPECT(DSR_RESULT_OK, dsr_engine_init(mem2, (dsr_engine_size() + align - 1) / align * align, &again));
        CHECK(again == other);
        EXPECT(DSR_RESULT_STALE_PLAN, dsr_engine_plan_info(other, pb, &ib));
    }
    free(pb_mem);
    free(mem);
    free(mem2);
}

/* Two threads changing one engine without a lock (forbidden by dsr.h): each
 * call either runs alone or returns DSR_RESULT_BUSY having changed nothing,
 * so the node table ends as the successful calls left it. */
struct busy_run {
    dsr_engine *engine;
    int index;
    long added, removed, busy, other;
};

static void *busy_thread(void *arg) {
    struct busy_run *run = arg;
    char name[32];
    int i;
    for (i = 0; i < 20000; i++) {
        dsr_node n;
        uint32_t id = 0;
        dsr_result r;
        /* A few names over and over: interned strings are kept until the
         * engine is cleared. */
        snprintf(name, sizeof name, "t%d-node-%d", run->index, i % 4);
        n = N(name, NULL, 0, NULL, 0);
        r = dsr_engine_add_node(run->engine, &n, &id);
        if (r == DSR_RESULT_OK) {
            run->added++;
            do {
                r = dsr_engine_remove_node(run->engine, id);
                if (r == DSR_RESULT_BUSY) run->busy++;
            } while (r == DSR_RESULT_BUSY);
            if (r == DSR_RESULT_OK) run->removed++;
            else run->other++;
        } else if (r == DSR_RESULT_BUSY) {
            run->busy++;
        } else {
            run->other++;
        }
    }
    return NULL;
}

static void test_busy(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    struct busy_run runs[2];
    pthread_t threads[2];
    int i;
    memset(runs, 0, sizeof runs);
    for (i = 0; i < 2; i++) {
        runs[i].engine = e;
        runs[i].index = i;
        CHECK(pthread_create(&threads[i], NULL, busy_thread, &runs[i]) == 0);
    }
    for (i = 0; i < 2; i++) CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(runs[0].other == 0 && runs[1].other == 0);
    CHECK(runs[0].added == runs[0].removed && runs[1].added == runs[1].removed);
    CHECK(runs[0].added + runs[1].added + runs[0].busy + runs[1].busy >= 40000);
    CHECK(node_count(e) == 0);
    printf("busy: %ld + %ld calls found the engine busy\n", runs[0].busy, runs[1].busy);
    free(mem);
}

static void test_validate_daemon_set(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_container one[] = {{{"fluentd", 7}}};
    dsr_container two[] = {{{"fluentd", 7}}, {{"fluentd", 7}}};
    dsr_daemon_set d = fluentd_sync();
    dsr_spec_problem p, untouched;
    char text[512];
    size_t len;

    d.containers = one;
    d.containers_len = 1;
    memset(&untouched, 0xAB, sizeof untouched);
    p = untouched;
    EXPECT(DSR_RESULT_OK, dsr_engine_validate_daemon_set(e, &d));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_last_spec_problem(e, &p));
    CHECK(memcmp(&p, &untouched, sizeof p) == 0);
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_validate_daemon_set(e, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_validate_daemon_set(NULL, &d));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_last_spec_problem(e, NULL));
    EXPECT(DSR_RESULT_NULL_POINTER, dsr_engine_last_spec_problem(NULL, &p));

#define INVALID(kind_, index_, detail_, validation_)                               \
    do {                                                                           \
        EXPECT(DSR_RESULT_INVALID_DAEMON_SET, dsr_engine_validate_daemon_set(e, &d)); \
        EXPECT(DSR_RESULT_OK, dsr_engine_last_spec_problem(e, &p));                \
        CHECK(p.kind == (kind_) && p.index == (index_));                           \
        CHECK(p.detail == (detail_) && p.validation == (validation_));            \
    } while (0)

    d.containers_len = 0;
    INVALID(DSR_SPEC_PROBLEM_NO_CONTAINERS, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    EXPECT(DSR_RESULT_OK, dsr_engine_last_error(e, text, sizeof text, &len));
    CHECK(strstr(text, "spec.template.spec.containers: required") != NULL);
    d.containers = two;
    d.containers_len = 2;
    INVALID(DSR_SPEC_PROBLEM_DUPLICATE_CONTAINER_NAME, 1, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.containers_len = 1;
    d.name = S("Fluentd_Elasticsearch");
    INVALID(DSR_SPEC_PROBLEM_NAME, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_INVALID_FORMAT);
    d.name = S("");
    INVALID(DSR_SPEC_PROBLEM_NAME, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_EMPTY);
    d.name = S("fluentd-elasticsearch");
    d.restart_policy = S("OnFailure");
    INVALID(DSR_SPEC_PROBLEM_RESTART_POLICY, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.restart_policy = S("Always");
    d.has_active_deadline_seconds = true;
    INVALID(DSR_SPEC_PROBLEM_ACTIVE_DEADLINE_SECONDS, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.has_active_deadline_seconds = false;
    d.min_ready_seconds = -1;
    INVALID(DSR_SPEC_PROBLEM_MIN_READY_SECONDS, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.min_ready_seconds = 0;
    d.has_revision_history_limit = true;
    d.revision_history_limit = -2;
    INVALID(DSR_SPEC_PROBLEM_REVISION_HISTORY_LIMIT, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.revision_history_limit = 10;
    {
        dsr_toleration tols[] = {TOL("a", "Exists", "", "NoSchedule"), TOL("b", "Equal", "x", "Sometimes")};
        d.tolerations = tols;
        d.tolerations_len = 2;
        INVALID(DSR_SPEC_PROBLEM_TOLERATION, 1, DSR_SPEC_DETAIL_EFFECT, DSR_VALIDATION_NONE);
        d.tolerations_len = 0;
    }
    d.update_strategy.strategy_type = S("Recreate");
    INVALID(DSR_SPEC_PROBLEM_UPDATE_STRATEGY_TYPE, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.update_strategy.strategy_type = S("RollingUpdate");
    d.update_strategy.has_rolling_update = true;
    d.update_strategy.max_unavailable.kind = DSR_INT_OR_STRING_INT;
    d.update_strategy.max_unavailable.int_value = 0;
    d.update_strategy.max_surge.kind = DSR_INT_OR_STRING_STRING;
    d.update_strategy.max_surge.string_value = S("150%");
    INVALID(DSR_SPEC_PROBLEM_MAX_SURGE, DSR_NONE, DSR_SPEC_DETAIL_OVER_HUNDRED_PERCENT, DSR_VALIDATION_NONE);
    d.update_strategy.max_surge.string_value = S("lots");
    INVALID(DSR_SPEC_PROBLEM_MAX_SURGE, DSR_NONE, DSR_SPEC_DETAIL_NOT_A_PERCENT, DSR_VALIDATION_NONE);
    d.update_strategy.max_surge.kind = DSR_INT_OR_STRING_INT;
    d.update_strategy.max_surge.int_value = 0;
    INVALID(DSR_SPEC_PROBLEM_NO_UPDATE_BUDGET, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.update_strategy.max_unavailable.int_value = -1;
    INVALID(DSR_SPEC_PROBLEM_MAX_UNAVAILABLE, DSR_NONE, DSR_SPEC_DETAIL_NEGATIVE, DSR_VALIDATION_NONE);
    d.update_strategy.max_unavailable.int_value = 1;
    d.update_strategy.max_surge.int_value = 1;
    INVALID(DSR_SPEC_PROBLEM_SURGE_WITH_UNAVAILABLE, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.update_strategy.max_surge.kind = DSR_INT_OR_STRING_UNSET;
    EXPECT(DSR_RESULT_OK, dsr_engine_validate_daemon_set(e, &d));
    {
        dsr_label other[] = {L("name", "other")};
        dsr_label bad_key[] = {L("a/b/c", "x")};
        d.template_labels = other;
        INVALID(DSR_SPEC_PROBLEM_SELECTOR_DOES_NOT_MATCH_TEMPLATE, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
        d.template_labels = fluentd_labels;
        d.node_selector = bad_key;
        d.node_selector_len = 1;
        INVALID(DSR_SPEC_PROBLEM_NODE_SELECTOR, DSR_NONE, DSR_SPEC_DETAIL_KEY, DSR_VALIDATION_TOO_MANY_SLASHES);
        d.node_selector_len = 0;
    }
    d.selector = NULL;
    INVALID(DSR_SPEC_PROBLEM_SELECTOR_MISSING, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.selector = &fluentd_selector;
    d.has_required_node_affinity = true;
    INVALID(DSR_SPEC_PROBLEM_AFFINITY_NO_TERMS, DSR_NONE, DSR_SPEC_DETAIL_NONE, DSR_VALIDATION_NONE);
    d.has_required_node_affinity = false;
    /* Bad input is the caller's error, not the DaemonSet's. */
    d.update_strategy.max_surge.kind = 7;
    EXPECT(DSR_RESULT_UNKNOWN_ENUM, dsr_engine_validate_daemon_set(e, &d));
    EXPECT(DSR_RESULT_NOT_FOUND, dsr_engine_last_spec_problem(e, &p));
#undef INVALID
    /* Validation stores nothing. */
    CHECK(node_count(e) == 0 && set_count(e) == 0);
    free(mem);
}

/* Issue 11: a pod restarting with a fresh name and uid (what the kubelet does at
 * each restart) filled the default engine's strings after 506 restarts while it
 * held no pod; the engine now gives back what only the removed pod held. And a
 * reason from before its node changed is refused, even when the answer is the
 * same. */
static void test_reclamation(void) {
    void *mem;
    dsr_engine *e = new_engine(&mem);
    dsr_daemon_set d = fluentd_sync();
    dsr_taint gpu[] = {T("nvidia.com/gpu", "present", "NoSchedule")};
    dsr_taint gpu2[] = {T("nvidia.com/gpu", "present", "NoSchedule"), T("dedicated", "ml", "NoSchedule")};
    dsr_node n1 = N("gke-prod-gpu-pool-8d2e41c0-qm4z", NULL, 0, gpu, 1);
    uint32_t node, set, pod = DSR_NONE;
    dsr_placement p;
    char name[64], uid[64], buf[256];
    size_t i, len;
    dsr_result r = DSR_RESULT_OK;

    EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n1, &node));
    EXPECT(DSR_RESULT_OK, dsr_engine_add_daemon_set(e, &d, &set));
    for (i = 0; i < 20000 && r == DSR_RESULT_OK; i++) {
        dsr_pod pd;
        if (pod != DSR_NONE) EXPECT(DSR_RESULT_OK, dsr_engine_remove_pod(e, pod));
        snprintf(name, sizeof name, "fluentd-elasticsearch-%08x", (unsigned)i);
        snprintf(uid, sizeof uid, "3f1d2c0e-0000-4000-8000-%012x", (unsigned)i);
        pd = daemon_pod(name, "gke-prod-gpu-pool-8d2e41c0-qm4z", NULL, 0);
        pd.uid = S(uid);
        r = dsr_engine_add_pod(e, &pd, &pod);
    }
    EXPECT(DSR_RESULT_OK, r);
    CHECK(i == 20000 && pod_count(e) == 1);
    {
        /* Usage is what one node, one DaemonSet and one pod need. */
        dsr_table_usage t[DSR_TABLE_BACKOFF + 1];
        size_t n = 0;
        EXPECT(DSR_RESULT_BUFFER_TOO_SMALL, dsr_engine_usage(e, t, 3, &n));
        CHECK(n == DSR_TABLE_BACKOFF + 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_usage(e, t, DSR_TABLE_BACKOFF + 1, &n));
        CHECK(t[DSR_TABLE_PODS].table == DSR_TABLE_PODS);
        CHECK(t[DSR_TABLE_PODS].used == 1 && t[DSR_TABLE_PODS].high_water == 1);
        CHECK(t[DSR_TABLE_STRINGS].used < 32 && t[DSR_TABLE_STRINGS].high_water <= t[DSR_TABLE_STRINGS].used + 2);
        CHECK(strcmp(dsr_table_str(DSR_TABLE_STRING_BYTES), "string bytes") == 0);
        CHECK(strcmp(dsr_table_str(99), "unknown") == 0);
    }

    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, node, &p));
    CHECK(!p.should_run && p.reason.kind == DSR_REASON_KIND_UNTOLERATED_TAINT);
    EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
    /* A second taint: the answer and the reason's kind and taint index are the
     * same, but the reason comes from another version of the node. */
    n1.taints = gpu2;
    n1.taints_len = 2;
    EXPECT(DSR_RESULT_OK, dsr_engine_update_node(e, node, &n1));
    EXPECT(DSR_RESULT_STALE_REASON, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
    EXPECT(DSR_RESULT_OK, dsr_engine_should_run(e, set, node, &p));
    EXPECT(DSR_RESULT_OK, dsr_engine_describe(e, &p.reason, buf, sizeof buf, &len));
    /* The node goes and another takes its id: still stale. */
    {
        dsr_placement old = p;
        uint32_t again;
        dsr_node n2 = N("gke-prod-gpu-pool-8d2e41c0-x7k2", NULL, 0, gpu, 1);
        EXPECT(DSR_RESULT_OK, dsr_engine_remove_node(e, node));
        EXPECT(DSR_RESULT_OK, dsr_engine_add_node(e, &n2, &again));
        CHECK(again == node);
        EXPECT(DSR_RESULT_STALE_REASON, dsr_engine_describe(e, &old.reason, buf, sizeof buf, &len));
    }
    free(mem);
}

int main(void) {
    test_version_and_macros();
    test_result_str();
    test_init();
    test_nodes();
    test_call_limits();
    test_full_tables();
    test_daemon_sets_and_placement();
    test_queries();
    test_validation();
    test_pods();
    test_daemon_set_sync_fields();
    test_sync_round();
    test_snapshots();
    test_validate_daemon_set();
    test_every_failure_is_recorded();
    test_config_header();
    test_enum_names();
    test_plans();
    test_reclamation();
    test_busy();
    free_plans();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
