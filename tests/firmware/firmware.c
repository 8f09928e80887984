/*
 * A firmware-style user of the no_std build of libdsr.a: the engine in a
 * static array, no heap, one placement decision checked. Built by
 * tests/firmware/check.sh. Ends with "N passed, M failed".
 */
#include <stdio.h>
#include <string.h>

#include "dsr.h"

/* Large enough for the firmware profile of tests/firmware/check.sh. */
static _Alignas(16) unsigned char engine_memory[64 * 1024];

static int passed, failed;
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
    dsr_capacities caps;
    uint32_t set = 0, edge = 0, cp = 0;
    dsr_placement p;
    char why[160];
    size_t len = 0;

    CHECK(dsr_engine_size() <= sizeof engine_memory);
    CHECK(dsr_engine_align() <= 16);
    CHECK(dsr_engine_capacities(&caps) == DSR_RESULT_OK);
    CHECK(dsr_engine_init(engine_memory, sizeof engine_memory, &engine) == DSR_RESULT_OK);
    CHECK(strcmp(dsr_version(), DSR_VERSION_STRING) == 0);

    {
        dsr_label app[] = {{DSR_STR_LIT("app"), DSR_STR_LIT("agent")}};
        dsr_label_selector sel = {app, 1, NULL, 0};
        dsr_str arches[] = {DSR_STR_LIT("arm64"), DSR_STR_LIT("riscv64")};
        dsr_requirement arch = {DSR_STR_LIT("kubernetes.io/arch"), DSR_STR_LIT("In"), arches, 2};
        dsr_node_selector_term term = {&arch, 1, NULL, 0};
        dsr_daemon_set ds = {0};
        ds.name = (dsr_str)DSR_STR_LIT("agent");
        ds.ns = (dsr_str)DSR_STR_LIT("kube-system");
        ds.selector = &sel;
        ds.template_labels = app;
        ds.template_labels_len = 1;
        ds.has_required_node_affinity = true;
        ds.required_node_affinity = &term;
        ds.required_node_affinity_len = 1;
        CHECK(dsr_engine_add_daemon_set(engine, &ds, &set) == DSR_RESULT_OK);
    }
    {
        dsr_label arm[] = {{DSR_STR_LIT("kubernetes.io/arch"), DSR_STR_LIT("arm64")}};
        dsr_label amd[] = {{DSR_STR_LIT("kubernetes.io/arch"), DSR_STR_LIT("amd64")}};
        dsr_node a = {DSR_STR_LIT("edge-rpi4-01"), arm, 1, NULL, 0, false};
        dsr_node b = {DSR_STR_LIT("cp-1"), amd, 1, NULL, 0, false};
        CHECK(dsr_engine_add_node(engine, &a, &edge) == DSR_RESULT_OK);
        CHECK(dsr_engine_add_node(engine, &b, &cp) == DSR_RESULT_OK);
    }
    CHECK(dsr_engine_should_run(engine, set, edge, &p) == DSR_RESULT_OK);
    CHECK(p.should_run && p.should_continue_running && p.reason.kind == DSR_REASON_KIND_ELIGIBLE);
    CHECK(dsr_engine_should_run(engine, set, cp, &p) == DSR_RESULT_OK);
    CHECK(!p.should_run && !p.should_continue_running);
    CHECK(p.reason.kind == DSR_REASON_KIND_NODE_AFFINITY_MISMATCH && p.reason.term == 0);
    CHECK(dsr_engine_describe(engine, &p.reason, why, sizeof why, &len) == DSR_RESULT_OK);
    CHECK(strcmp(why, "required node affinity does not match; term 0: node labels do not "
                      "satisfy kubernetes.io/arch in (arm64,riscv64)") == 0);
    CHECK(len == strlen(why));
    CHECK(dsr_engine_should_run(NULL, set, cp, &p) == DSR_RESULT_NULL_POINTER);
    CHECK(dsr_validate_label_key((dsr_str)DSR_STR_LIT("-bad")) == DSR_RESULT_INVALID_LABEL_KEY);
    printf("firmware: engine %zu bytes (%zu nodes, %zu DaemonSets); cp-1: %s\n",
           dsr_engine_size(), caps.nodes, caps.daemon_sets, why);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
