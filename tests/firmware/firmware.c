/*
 * A firmware-style user of the no_std build of libdsr.a: the engine, a plan and
 * a "flash" array static, sized at compile time by the build's dsr_config.h
 * (scripts/build-firmware.sh writes it), no heap; one placement decision, one
 * sync round, and a snapshot written to flash and restored after a "reboot",
 * checked. Built by tests/firmware/check.sh. Ends with "N passed, M failed".
 *
 * It also measures the stack each library call uses, as firmware runs it:
 * before the call, paint() fills STACK_PAINT bytes below the current frame with
 * a pattern; after it, stack_note() finds the deepest byte the call changed.
 * The deepest call is printed ("firmware: deepest stack ...") and checked
 * against STACK_LIMIT (4 KiB, issue 6's bound).
 *
 * In a build with the json feature (DSR_JSON 1 in dsr_config.h) it also applies
 * a watch event as JSON through dsr_engine_apply(), so that the JSON decoder is
 * linked, sized and its stack measured: a node ADDED event is applied, and a
 * MODIFIED event with a malformed field is refused and leaves the engine as it
 * was (its snapshot unchanged).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dsr.h"
#include "dsr_config.h"

/* The program places a pod on one of two nodes. */
_Static_assert(DSR_NODES >= 2, "build libdsr with DSR_NODES >= 2 for this program");

/* On a hosted target, the archive's compiler_builtins member that provides
 * __divti3 (128-bit division, used by the core's percentage arithmetic) comes
 * compiled with unwind tables that name rust_eh_personality. With panic=abort
 * it is never called; a C firmware defines it empty. (Bare-metal targets'
 * compiler_builtins is built with panic=abort and has no such reference.) */
void rust_eh_personality(void);
void rust_eh_personality(void) {}

/* The engine, the engine after a reboot, the sync's plan, and the flash a
 * snapshot is kept in: exactly what this build of libdsr needs. */
static _Alignas(DSR_ENGINE_ALIGN) unsigned char engine_memory[DSR_ENGINE_SIZE];
static _Alignas(DSR_ENGINE_ALIGN) unsigned char rebooted_memory[DSR_ENGINE_SIZE];
static _Alignas(DSR_PLAN_ALIGN) unsigned char plan_memory[DSR_PLAN_SIZE];
static unsigned char flash[DSR_SNAPSHOT_MAX_SIZE];
#if DSR_JSON
/* The engine's snapshot after a refused dsr_engine_apply(), to compare. */
static unsigned char flash_after[DSR_SNAPSHOT_MAX_SIZE];
#endif

static int passed, failed;

#define STACK_PAINT (64 * 1024)
#define STACK_LIMIT (4 * 1024)
#define STACK_PATTERN 0xA5
/* The top of the painted region, its deepest use by a call so far, and which. */
static uintptr_t stack_top;
static size_t stack_deepest;
static const char *stack_deepest_call = "none";
static int stack_ok;
/* Every measurement, "call bytes, ...", for the report. */
static char stack_report[512];

/* Paints STACK_PAINT bytes below this function's frame (which lies where the
 * measured call's frames will: both are called from main). The addresses are
 * the thread's stack, below the live frames; reached through an integer so
 * that nothing assumes they belong to an object. */
__attribute__((noinline)) static void paint(void) {
    unsigned char here = 0;
    volatile unsigned char *bottom;
    size_t i;
    stack_top = (uintptr_t)&here;
    bottom = (volatile unsigned char *)(stack_top - STACK_PAINT);
    for (i = 0; i < STACK_PAINT; i++) bottom[i] = STACK_PATTERN;
}

/* Records how deep the call since paint() went. */
__attribute__((noinline)) static void stack_note(const char *call) {
    volatile unsigned char *bottom = (volatile unsigned char *)(stack_top - STACK_PAINT);
    size_t i = 0, used;
    while (i < STACK_PAINT && bottom[i] == STACK_PATTERN) i++;
    used = STACK_PAINT - i;
    i = strlen(stack_report);
    snprintf(stack_report + i, sizeof stack_report - i, "%s%s %zu", i ? ", " : "", call, used);
    if (used > stack_deepest) {
        stack_deepest = used;
        stack_deepest_call = call;
    }
}

/* Evaluates a library call's check with its stack measured. */
#define MEASURED(call, expr) (paint(), stack_ok = (expr), stack_note(call), stack_ok)
#define CHECK(cond)                                                         \
    do {                                                                    \
        if (cond) {                                                         \
            passed++;                                                       \
        } else {                                                            \
            failed++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                   \
    } while (0)

int main(void) {
    dsr_engine *engine = NULL;
    dsr_plan *plan = NULL;
    dsr_capacities caps;
    uint32_t set = 0, edge = 0, cp = 0;
    dsr_placement p;
    char why[160];
    size_t len = 0;

    /* The header is this library's: sizes, capacities and version. */
    CHECK(DSR_CONFIG_CHECK() == DSR_RESULT_OK && dsr_engine_size() == DSR_ENGINE_SIZE);
    CHECK(dsr_engine_capacities(&caps) == DSR_RESULT_OK && caps.nodes == DSR_NODES);
    CHECK(MEASURED("init", dsr_engine_init(engine_memory, sizeof engine_memory, &engine) == DSR_RESULT_OK));
    CHECK(dsr_plan_init(plan_memory, sizeof plan_memory, &plan) == DSR_RESULT_OK);
    CHECK(strcmp(dsr_version(), DSR_VERSION_STRING) == 0);

    {
        dsr_label app[] = {{DSR_STR_LIT("app"), DSR_STR_LIT("agent")}};
        dsr_label_selector sel = {app, 1, NULL, 0};
        dsr_str arches[] = {DSR_STR_LIT("arm64"), DSR_STR_LIT("riscv64")};
        dsr_requirement arch = {DSR_STR_LIT("kubernetes.io/arch"), DSR_STR_LIT("In"), arches, 2};
        dsr_node_selector_term term = {&arch, 1, NULL, 0};
        dsr_daemon_set ds = DSR_DAEMON_SET_INIT;
        ds.name = (dsr_str)DSR_STR_LIT("agent");
        ds.ns = (dsr_str)DSR_STR_LIT("kube-system");
        ds.uid = (dsr_str)DSR_STR_LIT("3c1e9a27-5b4d-4f0e-8a6c-7d2b1e0f9a54");
        ds.selector = &sel;
        ds.template_labels = app;
        ds.template_labels_len = 1;
        ds.has_required_node_affinity = true;
        ds.required_node_affinity = &term;
        ds.required_node_affinity_len = 1;
        ds.revision_hash = (dsr_str)DSR_STR_LIT("5d4b9c7f8");
        CHECK(MEASURED("add_daemon_set", dsr_engine_add_daemon_set(engine, &ds, &set) == DSR_RESULT_OK));
    }
    {
        dsr_label arm[] = {{DSR_STR_LIT("kubernetes.io/arch"), DSR_STR_LIT("arm64")}};
        dsr_label amd[] = {{DSR_STR_LIT("kubernetes.io/arch"), DSR_STR_LIT("amd64")}};
        dsr_node a = {sizeof(dsr_node), DSR_STR_LIT("edge-rpi4-01"), arm, 1, NULL, 0, false};
        dsr_node b = {sizeof(dsr_node), DSR_STR_LIT("cp-1"), amd, 1, NULL, 0, false};
        CHECK(MEASURED("add_node", dsr_engine_add_node(engine, &a, &edge) == DSR_RESULT_OK));
        CHECK(dsr_engine_add_node(engine, &b, &cp) == DSR_RESULT_OK);
    }
    CHECK(dsr_engine_should_run(engine, set, edge, &p) == DSR_RESULT_OK);
    CHECK(p.should_run && p.should_continue_running && p.reason.kind == DSR_REASON_KIND_ELIGIBLE);
    CHECK(MEASURED("should_run", dsr_engine_should_run(engine, set, cp, &p) == DSR_RESULT_OK));
    CHECK(!p.should_run && !p.should_continue_running);
    CHECK(p.reason.kind == DSR_REASON_KIND_NODE_AFFINITY_MISMATCH && p.reason.term == 0);
    CHECK(MEASURED("describe", dsr_engine_describe(engine, &p.reason, why, sizeof why, &len) == DSR_RESULT_OK));
    CHECK(strcmp(why, "required node affinity does not match; term 0: node labels do not "
                      "satisfy kubernetes.io/arch in (arm64,riscv64)") == 0);
    CHECK(len == strlen(why));
    CHECK(dsr_engine_should_run(NULL, set, cp, &p) == DSR_RESULT_NULL_POINTER);
    CHECK(dsr_validate_label_key((dsr_str)DSR_STR_LIT("-bad")) == DSR_RESULT_INVALID_LABEL_KEY);
    /* One sync round: a pod for edge-rpi4-01, reported; then quiet. */
    {
        dsr_plan_info info;
        dsr_plan_create c;
        dsr_label labels[4];
        char node[64], keys[4][32], values[4][64];
        size_t n = 0, i;
        uint32_t pod = 0;
        CHECK(MEASURED("sync", dsr_engine_sync(engine, set, 1709290800, plan, &info) == DSR_RESULT_OK));
        CHECK(info.outcome == DSR_SYNC_OUTCOME_SYNCED && info.creates_len == 1 && info.has_status);
        CHECK(info.status.desired_number_scheduled == 1);
        CHECK(dsr_engine_plan_create(engine, plan, 0, &c) == DSR_RESULT_OK && c.node_id == edge);
        CHECK(MEASURED("new_pod_labels", dsr_engine_new_pod_labels(engine, set, labels, 4, &n) == DSR_RESULT_OK) && n == 2);
        /* Strings the engine gives out are copied before they go back in. */
        CHECK(c.node_name.len < sizeof node);
        memcpy(node, c.node_name.ptr, c.node_name.len);
        for (i = 0; i < n; i++) {
            CHECK(labels[i].key.len < sizeof keys[i] && labels[i].value.len < sizeof values[i]);
            memcpy(keys[i], labels[i].key.ptr, labels[i].key.len);
            memcpy(values[i], labels[i].value.ptr, labels[i].value.len);
            labels[i].key.ptr = keys[i];
            labels[i].value.ptr = values[i];
        }
        {
            dsr_pod p0 = DSR_POD_INIT;
            p0.name = (dsr_str)DSR_STR_LIT("agent-x7k2p");
            p0.ns = (dsr_str)DSR_STR_LIT("kube-system");
            p0.labels = labels;
            p0.labels_len = n;
            p0.has_controller = true;
            p0.controller_uid = (dsr_str)DSR_STR_LIT("3c1e9a27-5b4d-4f0e-8a6c-7d2b1e0f9a54");
            p0.controller_kind = (dsr_str)DSR_STR_LIT("DaemonSet");
            p0.controller_name = (dsr_str)DSR_STR_LIT("agent");
            p0.node_name.ptr = node;
            p0.node_name.len = c.node_name.len;
            p0.phase = (dsr_str)DSR_STR_LIT("Pending");
            CHECK(MEASURED("add_pod", dsr_engine_add_pod(engine, &p0, &pod) == DSR_RESULT_OK));
        }
        CHECK(dsr_engine_observe_creates(engine, set, 1) == DSR_RESULT_OK);
        CHECK(MEASURED("sync", dsr_engine_sync(engine, set, 1709290805, plan, &info) == DSR_RESULT_OK));
        CHECK(info.outcome == DSR_SYNC_OUTCOME_SYNCED && info.creates_len == 0 && info.deletes_len == 0);
        CHECK(info.status.current_number_scheduled == 1);
    }
    /* Snapshot to flash; a damaged copy is refused; the intact one restores. */
    {
        dsr_engine *rebooted = NULL;
        size_t written = 0, n = 0;
        uint32_t id = 0;
        CHECK(dsr_engine_snapshot_max_size() <= sizeof flash);
        CHECK(MEASURED("snapshot", dsr_engine_snapshot(engine, flash, sizeof flash, &written) == DSR_RESULT_OK));
        CHECK(dsr_engine_init(rebooted_memory, sizeof rebooted_memory, &rebooted) == DSR_RESULT_OK);
        flash[written - 1] ^= 0x20;
        CHECK(MEASURED("restore", dsr_engine_restore(rebooted, flash, written) == DSR_RESULT_SNAPSHOT_CHECKSUM));
        flash[written - 1] ^= 0x20;
        CHECK(MEASURED("restore", dsr_engine_restore(rebooted, flash, written) == DSR_RESULT_OK));
        CHECK(dsr_engine_pod_count(rebooted, &n) == DSR_RESULT_OK && n == 1);
        CHECK(dsr_engine_find_node(rebooted, (dsr_str)DSR_STR_LIT("edge-rpi4-01"), &id) == DSR_RESULT_OK);
        printf("firmware: snapshot %zu bytes (at most %zu)\n", written, dsr_engine_snapshot_max_size());
    }
#if DSR_JSON
    /* A second arm64 node arrives as a watch event: the agent should run there.
     * Then a MODIFIED event that would make it amd64 has a boolean written as a
     * string further on: refused as a whole, the engine as it was. */
    {
        static const char added[] =
            "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Node\",\"apiVersion\":\"v1\","
            "\"metadata\":{\"name\":\"edge-rpi4-02\",\"uid\":\"9a7c1e44-2b3f-4d6a-8e15-c0f2d9b7a361\","
            "\"labels\":{\"kubernetes.io/arch\":\"arm64\",\"kubernetes.io/hostname\":\"edge-rpi4-02\"}},"
            "\"spec\":{\"podCIDR\":\"10.244.3.0/24\"},\"status\":{\"conditions\":[{\"type\":\"Ready\","
            "\"status\":\"True\"}]}}}";
        static const char refused[] =
            "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Node\",\"apiVersion\":\"v1\","
            "\"metadata\":{\"name\":\"edge-rpi4-02\",\"labels\":{\"kubernetes.io/arch\":\"amd64\"}},"
            "\"spec\":{\"unschedulable\":\"yes\"}}}";
        dsr_applied a;
        uint32_t id = 0;
        size_t before = 0, after = 0;
        CHECK(MEASURED("apply", dsr_engine_apply(engine, (const uint8_t *)added, sizeof added - 1, &a) == DSR_RESULT_OK));
        CHECK(a.kind == DSR_OBJECT_KIND_NODE && a.change == DSR_CHANGE_ADDED && a.placement_changed);
        CHECK(dsr_engine_find_node(engine, (dsr_str)DSR_STR_LIT("edge-rpi4-02"), &id) == DSR_RESULT_OK && id == a.id);
        CHECK(dsr_engine_should_run(engine, set, id, &p) == DSR_RESULT_OK && p.should_run);
        CHECK(dsr_engine_snapshot(engine, flash, sizeof flash, &before) == DSR_RESULT_OK);
        CHECK(MEASURED("apply", dsr_engine_apply(engine, (const uint8_t *)refused, sizeof refused - 1, &a) == DSR_RESULT_INVALID_JSON));
        CHECK(dsr_engine_snapshot(engine, flash_after, sizeof flash_after, &after) == DSR_RESULT_OK);
        CHECK(before == after && memcmp(flash, flash_after, before) == 0);
        CHECK(dsr_engine_should_run(engine, set, id, &p) == DSR_RESULT_OK && p.should_run);
    }
#endif
    printf("firmware: engine %zu bytes (%zu nodes, %zu DaemonSets); cp-1: %s\n",
           dsr_engine_size(), caps.nodes, caps.daemon_sets, why);
    printf("firmware: stack per call (bytes): %s\n", stack_report);
    printf("firmware: deepest stack %zu bytes (%s; limit %d)\n", stack_deepest, stack_deepest_call,
           STACK_LIMIT);
    CHECK(stack_deepest > 0 && stack_deepest <= STACK_LIMIT);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
